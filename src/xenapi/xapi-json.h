/* xapi-json.h: a small, strict-but-xapi-tolerant JSON pull reader and writer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * xapi speaks JSON with two departures from RFC 8259 that json-glib rejects:
 * bare NaN / Infinity / -Infinity float tokens, and int64 values that must not
 * be routed through double.  This reader accepts both, never allocates a tree
 * unless asked to, and is safe to use from any thread (one reader per thread).
 *
 * Usage pattern (pull):
 *
 *   XapiJsonReader *r = xapi_json_reader_new (data, len);
 *   if (!xapi_json_reader_begin_object (r)) ...error...
 *   const char *key;
 *   while (xapi_json_reader_next_member (r, &key, NULL))   // FALSE at '}' (consumed) or error
 *     {
 *       if (strcmp (key, "result") == 0) xapi_json_reader_read_string (r, &s, &n);
 *       else xapi_json_reader_skip (r);
 *     }
 *   if (xapi_json_reader_failed (r, &error)) ...
 *
 * Every reading function returns FALSE on a type mismatch or a syntax error;
 * after the first error the reader is poisoned (all calls return FALSE) and
 * xapi_json_reader_failed() returns the error (domain XAPI_JSON_ERROR).  A type
 * mismatch does not consume the value when the reader could skip it instead:
 * use xapi_json_reader_try_* variants for that (they never poison).
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define XAPI_JSON_ERROR (xapi_json_error_quark ())
GQuark xapi_json_error_quark (void);

typedef enum {
  XAPI_JSON_ERROR_SYNTAX,      /* malformed JSON, truncated input */
  XAPI_JSON_ERROR_TYPE,        /* valid JSON, wrong type for the caller */
  XAPI_JSON_ERROR_DEPTH,       /* nesting deeper than XAPI_JSON_MAX_DEPTH */
  XAPI_JSON_ERROR_RANGE,       /* integer out of int64 range */
} XapiJsonError;

#define XAPI_JSON_MAX_DEPTH 128

typedef enum {
  XAPI_JSON_TOKEN_ERROR = 0,
  XAPI_JSON_TOKEN_EOF,
  XAPI_JSON_TOKEN_NULL,
  XAPI_JSON_TOKEN_BOOL,
  XAPI_JSON_TOKEN_INT,          /* integer literal that fits gint64 */
  XAPI_JSON_TOKEN_DOUBLE,       /* fraction/exponent literal, or NaN/Infinity/-Infinity */
  XAPI_JSON_TOKEN_STRING,
  XAPI_JSON_TOKEN_BEGIN_OBJECT,
  XAPI_JSON_TOKEN_END_OBJECT,
  XAPI_JSON_TOKEN_BEGIN_ARRAY,
  XAPI_JSON_TOKEN_END_ARRAY,
} XapiJsonToken;

typedef struct _XapiJsonReader XapiJsonReader;

/* The reader does not copy @data: it must stay alive and unchanged while the
 * reader is in use.  @len may be -1 for a NUL-terminated string. */
XapiJsonReader *xapi_json_reader_new             (const char       *data,
                                                  gssize            len);
/* Streaming input: @source is called (on the reader's thread) whenever the
 * reader needs more; it returns the next chunk, or NULL at the end of the
 * input.  Pointers the reader hands out stay valid until its next call. */
typedef GBytes *(*XapiJsonSourceFunc) (gpointer user_data);
XapiJsonReader *xapi_json_reader_new_streaming   (XapiJsonSourceFunc source,
                                                  gpointer           user_data);
void            xapi_json_reader_free            (XapiJsonReader   *reader);
/* Point a reader made by xapi_json_reader_new() at other input, keeping its
 * buffers (the error is cleared). */
void            xapi_json_reader_reset           (XapiJsonReader   *reader,
                                                  const char       *data,
                                                  gsize             len);

/* Kind of the next value (or END_* / EOF), without consuming anything. */
XapiJsonToken   xapi_json_reader_peek            (XapiJsonReader   *reader);

/* Objects.  begin_object consumes '{'.  next_member returns TRUE and the
 * (unescaped, NUL-terminated) key of the next member, positioned on its value;
 * it returns FALSE after consuming the closing '}' or on error.  The key is
 * valid until the next call on the reader.  Duplicate keys are passed through. */
gboolean        xapi_json_reader_begin_object    (XapiJsonReader   *reader);
gboolean        xapi_json_reader_next_member     (XapiJsonReader   *reader,
                                                  const char      **key,
                                                  gsize            *key_len);

/* Arrays.  begin_array consumes '['; next_element returns TRUE when another
 * element follows (positioned on it) and FALSE after consuming ']' or on error. */
gboolean        xapi_json_reader_begin_array     (XapiJsonReader   *reader);
gboolean        xapi_json_reader_next_element    (XapiJsonReader   *reader);

/* Scalars.  Strings are unescaped (\uXXXX surrogate pairs become UTF-8;
 * invalid UTF-8 or lone surrogates are an error) and NUL-terminated; the
 * pointer is valid until the next call on the reader. */
gboolean        xapi_json_reader_read_string     (XapiJsonReader   *reader,
                                                  const char      **str,
                                                  gsize            *len);
char           *xapi_json_reader_dup_string      (XapiJsonReader   *reader);   /* NULL on error */
gboolean        xapi_json_reader_read_int64      (XapiJsonReader   *reader,
                                                  gint64           *value);  /* INT only */
gboolean        xapi_json_reader_read_double     (XapiJsonReader   *reader,
                                                  double           *value);  /* INT or DOUBLE */
gboolean        xapi_json_reader_read_bool       (XapiJsonReader   *reader,
                                                  gboolean         *value);
gboolean        xapi_json_reader_read_null       (XapiJsonReader   *reader);

/* Skip the next value entirely (any type, any depth). */
gboolean        xapi_json_reader_skip            (XapiJsonReader   *reader);

/* The exact source text of the next value (consumed), e.g. for keeping
 * unknown fields verbatim.  Pointer into the input buffer. */
/* The text of what is read between the two calls (one value), in the
 * reader's buffer: valid until the reader moves on.  FALSE if it failed. */
void            xapi_json_reader_capture_begin   (XapiJsonReader   *reader);
gboolean        xapi_json_reader_capture_end     (XapiJsonReader   *reader,
                                                  const char      **start,
                                                  gsize            *len);
gboolean        xapi_json_reader_read_raw        (XapiJsonReader   *reader,
                                                  const char      **start,
                                                  gsize            *len);

/* The next value as a json-glib tree.  NaN/Infinity become double nodes,
 * integers int64 nodes.  Returns NULL on error. */
JsonNode       *xapi_json_reader_read_node       (XapiJsonReader   *reader);

/* After the top-level value: TRUE if only whitespace remains. */
gboolean        xapi_json_reader_at_end          (XapiJsonReader   *reader);

/* TRUE (and sets @error if non-NULL) once the reader has failed. */
gboolean        xapi_json_reader_failed          (XapiJsonReader   *reader,
                                                  GError          **error);
/* Byte offset of the reader in the input (for error messages). */
gsize           xapi_json_reader_get_offset      (XapiJsonReader   *reader);

/* Whole-document helpers. */
JsonNode       *xapi_json_parse                  (const char       *data,
                                                  gssize            len,
                                                  GError          **error);

/* Compact serialisation as xapi writes it: no whitespace, int64 exact,
 * doubles with %.17g (".0" appended when integral), NaN/Infinity bare. */
char           *xapi_json_to_string              (JsonNode         *node,
                                                  gsize            *length);
void            xapi_json_append                 (GString          *out,
                                                  JsonNode         *node);
void            xapi_json_append_string          (GString          *out,
                                                  const char       *str);   /* quoted + escaped */
void            xapi_json_append_double          (GString          *out,
                                                  double            value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XapiJsonReader, xapi_json_reader_free)

G_END_DECLS

/* xapi-json.c: JSON pull reader and writer tolerant of xapi's extensions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The reader walks the input in place: no tree, no per-value allocation.
 * Strings are unescaped into one of two reusable buffers (keys and values
 * use separate buffers so a key stays valid while its value is read).
 */

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xapi-json.h"

G_DEFINE_QUARK (xapi-json-error-quark, xapi_json_error)

enum {
  FRAME_FIRST  = 1 << 0,   /* no member/element read yet at this depth */
  FRAME_OBJECT = 1 << 1,   /* container is an object (else array) */
};

struct _XapiJsonReader {
  const char *start;
  const char *p;
  const char *end;
  GError     *error;
  /* Streaming: [start, end) is a window of the input in @window, refilled
   * from @source; @base is the input offset of @start; @mark, when set, is
   * the first byte that must stay in the window (the start of a raw value). */
  XapiJsonSourceFunc source;
  gpointer    source_data;
  char       *window;
  gsize       window_size;
  gsize       base;
  const char *mark;
  const char *capture;   /* set by xapi_json_reader_capture_begin(); kept like @mark */
  GString    *key;
  GString    *str;
  guint       depth;
  guint8      frames[XAPI_JSON_MAX_DEPTH + 1];
};

XapiJsonReader *
xapi_json_reader_new (const char *data,
                      gssize      len)
{
  XapiJsonReader *r = g_new0 (XapiJsonReader, 1);

  if (data == NULL)
    data = "";
  r->start = r->p = data;
  r->end = data + (len < 0 ? (gssize) strlen (data) : len);
  r->key = g_string_sized_new (64);
  r->str = g_string_sized_new (256);
  return r;
}

/* A streaming reader's window is kept per thread between replies, up to
 * WINDOW_KEEP bytes.  A block this size is a "large" request to glibc's
 * malloc, which first merges every small block freed since the last one:
 * after a big reply, that merging alone cost a tenth of the decode's time,
 * once per call. */
#define WINDOW_SIZE (64 * 1024)
#define WINDOW_KEEP (4 * 1024 * 1024)

typedef struct {
  char  *data;
  gsize  size;
} SpareWindow;

static void
spare_window_free (gpointer p)
{
  SpareWindow *spare = p;

  g_free (spare->data);
  g_free (spare);
}

static GPrivate spare_window = G_PRIVATE_INIT (spare_window_free);

XapiJsonReader *
xapi_json_reader_new_streaming (XapiJsonSourceFunc source,
                                gpointer           user_data)
{
  XapiJsonReader *r = xapi_json_reader_new ("", 0);
  SpareWindow *spare = g_private_get (&spare_window);

  g_return_val_if_fail (source != NULL, r);
  r->source = source;
  r->source_data = user_data;
  if (spare != NULL && spare->data != NULL)
    {
      r->window = g_steal_pointer (&spare->data);
      r->window_size = spare->size;
    }
  else
    {
      r->window_size = WINDOW_SIZE;
      r->window = g_malloc (r->window_size);
    }
  r->start = r->p = r->end = r->window;
  return r;
}

static void
window_release (XapiJsonReader *r)
{
  SpareWindow *spare;

  if (r->window == NULL)
    return;
  spare = g_private_get (&spare_window);
  if (spare == NULL)
    {
      spare = g_new0 (SpareWindow, 1);
      g_private_set (&spare_window, spare);
    }
  if (spare->data == NULL && r->window_size <= WINDOW_KEEP)
    {
      spare->data = g_steal_pointer (&r->window);
      spare->size = r->window_size;
    }
  else
    g_clear_pointer (&r->window, g_free);
}

void
xapi_json_reader_reset (XapiJsonReader *r,
                        const char     *data,
                        gsize           len)
{
  g_return_if_fail (r != NULL && r->source == NULL && r->window == NULL);

  g_clear_error (&r->error);
  r->start = r->p = data;
  r->end = data + len;
  r->base = 0;
  r->mark = r->capture = NULL;
  r->depth = 0;
  memset (r->frames, 0, sizeof r->frames);
}

void
xapi_json_reader_free (XapiJsonReader *r)
{
  if (r == NULL)
    return;
  window_release (r);
  g_clear_error (&r->error);
  g_string_free (r->key, TRUE);
  g_string_free (r->str, TRUE);
  g_free (r);
}

G_GNUC_PRINTF (3, 4) static gboolean
fail (XapiJsonReader *r,
      XapiJsonError   code,
      const char     *format,
      ...)
{
  if (r->error == NULL)
    {
      g_autofree char *msg = NULL;
      va_list ap;

      va_start (ap, format);
      msg = g_strdup_vprintf (format, ap);
      va_end (ap);
      r->error = g_error_new (XAPI_JSON_ERROR, code, "%s at byte %" G_GSIZE_FORMAT,
                              msg, r->base + (gsize) (r->p - r->start));
    }
  return FALSE;
}

gboolean
xapi_json_reader_failed (XapiJsonReader  *r,
                         GError         **error)
{
  if (r->error == NULL)
    return FALSE;
  if (error != NULL && *error == NULL)
    *error = g_error_copy (r->error);
  return TRUE;
}

gsize
xapi_json_reader_get_offset (XapiJsonReader *r)
{
  return r->base + (gsize) (r->p - r->start);
}

/* Streaming: append the next chunk of input to the window, first dropping
 * what has been read (all before @p, or before @mark).  FALSE at the end of
 * the input, or when the whole input was given at creation. */
static gboolean
more (XapiJsonReader *r)
{
  while (r->source != NULL)
    {
      g_autoptr(GBytes) chunk = r->source (r->source_data);
      const char *keep = r->mark != NULL ? MIN (r->mark, r->p) : r->p;
      gsize kept, drop;
      gsize p_off, mark_off = 0, capture_off = 0;
      const char *data;
      gsize len;

      if (chunk == NULL)
        {
          r->source = NULL;
          return FALSE;
        }
      data = g_bytes_get_data (chunk, &len);
      if (len == 0)
        continue;

      if (r->capture != NULL)
        keep = MIN (keep, r->capture);
      kept = (gsize) (r->end - keep);
      drop = (gsize) (keep - r->window);
      p_off = (gsize) (r->p - keep);
      if (r->mark != NULL)
        mark_off = (gsize) (r->mark - keep);
      if (r->capture != NULL)
        capture_off = (gsize) (r->capture - keep);
      if (drop > 0)
        memmove (r->window, keep, kept);
      if (kept + len > r->window_size)
        {
          r->window_size = MAX (kept + len, r->window_size * 2);
          r->window = g_realloc (r->window, r->window_size);
        }
      memcpy (r->window + kept, data, len);
      r->base += drop;
      r->start = r->window;
      r->p = r->window + p_off;
      r->end = r->window + kept + len;
      if (r->mark != NULL)
        r->mark = r->window + mark_off;
      if (r->capture != NULL)
        r->capture = r->window + capture_off;
      return TRUE;
    }
  return FALSE;
}

/* Streaming: make at least @n bytes visible after @p, unless the input ends. */
static inline void
want (XapiJsonReader *r,
      gsize           n)
{
  while ((gsize) (r->end - r->p) < n && more (r))
    ;
}

/* Streaming: make the whole string starting at @p (on its opening quote)
 * visible, so that scan_string never meets the end of the window early. */
static void
want_string (XapiJsonReader *r)
{
  gsize off = 1;

  while (r->source != NULL)
    {
      const char *p = r->p + off, *end = r->end;

      while (p < end)
        {
          /* A malformed unicode escape can run past the quote: scan_string
           * reads up to six bytes beyond it, so make those visible too. */
          if (*p == '"')
            {
              want (r, (gsize) (p - r->p) + 7);
              return;
            }
          if (*p == '\\')
            {
              if (end - p < 2)
                break;
              p += 2;
              continue;
            }
          p++;
        }
      off = (gsize) (p - r->p);
      if (!more (r))
        return;
    }
}

/* Streaming: make the whole number token at @p visible. */
static void
want_number (XapiJsonReader *r)
{
  gsize off = 0;

  while (r->source != NULL)
    {
      const char *p = r->p + off, *end = r->end;

      while (p < end && (g_ascii_isalnum (*p) || *p == '-' || *p == '+' || *p == '.'))
        p++;
      if (p < end)
        return;
      off = (gsize) (p - r->p);
      if (!more (r))
        return;
    }
}

static inline void
skip_ws (XapiJsonReader *r)
{
  for (;;)
    {
      const char *p = r->p, *end = r->end;

      while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
      r->p = p;
      if (p < end || !more (r))
        return;
    }
}

static gboolean
match_word (XapiJsonReader *r,
            const char     *word)
{
  gsize n = strlen (word);

  if ((gsize) (r->end - r->p) < n || memcmp (r->p, word, n) != 0)
    return FALSE;
  /* A literal must not run into an identifier character ("nullx"). */
  if ((gsize) (r->end - r->p) > n && g_ascii_isalnum (r->p[n]))
    return FALSE;
  return TRUE;
}

/* Classify a number token starting at @p without consuming it. */
static XapiJsonToken
classify_number (const char *p,
                 const char *end)
{
  if (p < end && *p == '-')
    p++;
  if (p < end && *p == 'I')
    return XAPI_JSON_TOKEN_DOUBLE;
  if (p >= end || !g_ascii_isdigit (*p))
    return XAPI_JSON_TOKEN_ERROR;
  while (p < end && g_ascii_isdigit (*p))
    p++;
  if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
    return XAPI_JSON_TOKEN_DOUBLE;
  return XAPI_JSON_TOKEN_INT;
}

XapiJsonToken
xapi_json_reader_peek (XapiJsonReader *r)
{
  if (r->error != NULL)
    return XAPI_JSON_TOKEN_ERROR;
  skip_ws (r);
  if (r->p >= r->end)
    return XAPI_JSON_TOKEN_EOF;
  if (r->source != NULL)
    want (r, 16);   /* the longest literal and the character after it */

  switch (*r->p)
    {
    case '{': return XAPI_JSON_TOKEN_BEGIN_OBJECT;
    case '}': return XAPI_JSON_TOKEN_END_OBJECT;
    case '[': return XAPI_JSON_TOKEN_BEGIN_ARRAY;
    case ']': return XAPI_JSON_TOKEN_END_ARRAY;
    case '"': return XAPI_JSON_TOKEN_STRING;
    case 't':
    case 'f': return XAPI_JSON_TOKEN_BOOL;
    case 'n': return XAPI_JSON_TOKEN_NULL;
    case 'N': return XAPI_JSON_TOKEN_DOUBLE;
    case 'I': return XAPI_JSON_TOKEN_DOUBLE;
    default:
      want_number (r);
      return classify_number (r->p, r->end);
    }
}

static gboolean
begin_container (XapiJsonReader *r,
                 char            open,
                 guint8          kind)
{
  if (r->error != NULL)
    return FALSE;
  skip_ws (r);
  if (r->p >= r->end)
    return fail (r, XAPI_JSON_ERROR_SYNTAX, "unexpected end of input");
  if (*r->p != open)
    return fail (r, XAPI_JSON_ERROR_TYPE, "expected '%c'", open);
  if (r->depth >= XAPI_JSON_MAX_DEPTH)
    return fail (r, XAPI_JSON_ERROR_DEPTH, "nesting deeper than %d", XAPI_JSON_MAX_DEPTH);
  r->p++;
  r->depth++;
  r->frames[r->depth] = FRAME_FIRST | kind;
  return TRUE;
}

gboolean
xapi_json_reader_begin_object (XapiJsonReader *r)
{
  return begin_container (r, '{', FRAME_OBJECT);
}

gboolean
xapi_json_reader_begin_array (XapiJsonReader *r)
{
  return begin_container (r, '[', 0);
}

/* Bytes that end a plain run inside a string: the quote, a backslash, a
 * control character or the first byte of a non-ASCII sequence. */
static const guint8 string_special[256] = {
  [0x00 ... 0x1f] = 1,
  ['"'] = 1,
  ['\\'] = 1,
  [0x80 ... 0xff] = 1,
};

/* The end of the run of plain bytes starting at @p. */
static inline const char *
plain_run_end (const char *p,
               const char *end)
{
  while (end - p >= 4)
    {
      if (string_special[(guchar) p[0]]) return p;
      if (string_special[(guchar) p[1]]) return p + 1;
      if (string_special[(guchar) p[2]]) return p + 2;
      if (string_special[(guchar) p[3]]) return p + 3;
      p += 4;
    }
  while (p < end && !string_special[(guchar) *p])
    p++;
  return p;
}

static inline void
buf_set (GString    *buf,
         const char *s,
         gsize       len)
{
  g_string_set_size (buf, len);
  memcpy (buf->str, s, len);
}

/* Unescape the string at r->p (on the opening quote) into @buf. */
static gboolean
scan_string (XapiJsonReader *r,
             GString        *buf)
{
  const char *p, *end;
  gboolean high = FALSE;

  /* The common case: no escape, all ASCII, already whole in the window. */
  {
    const char *q = plain_run_end (r->p + 1, r->end);

    if (q < r->end && *q == '"')
      {
        buf_set (buf, r->p + 1, (gsize) (q - r->p - 1));
        r->p = q + 1;
        return TRUE;
      }
  }

  want_string (r);
  p = r->p + 1;
  end = r->end;

  g_string_truncate (buf, 0);

  for (;;)
    {
      const char *run = p;

      p = plain_run_end (p, end);
      if (p > run)
        g_string_append_len (buf, run, p - run);
      if (p >= end)
        {
          r->p = p;
          return fail (r, XAPI_JSON_ERROR_SYNTAX, "unterminated string");
        }
      if (*p == '"')
        break;
      if ((guchar) *p >= 0x80)
        {
          /* Non-ASCII: copy the run of high bytes, validated at the end. */
          run = p;
          while (p < end && (guchar) *p >= 0x80)
            p++;
          g_string_append_len (buf, run, p - run);
          high = TRUE;
          continue;
        }
      if ((guchar) *p < 0x20)
        {
          r->p = p;
          return fail (r, XAPI_JSON_ERROR_SYNTAX, "control character in string");
        }

      /* Backslash escape. */
      p++;
      if (p >= end)
        {
          r->p = p;
          return fail (r, XAPI_JSON_ERROR_SYNTAX, "unterminated escape");
        }
      switch (*p)
        {
        case '"': g_string_append_c (buf, '"'); p++; break;
        case '\\': g_string_append_c (buf, '\\'); p++; break;
        case '/': g_string_append_c (buf, '/'); p++; break;
        case 'b': g_string_append_c (buf, '\b'); p++; break;
        case 'f': g_string_append_c (buf, '\f'); p++; break;
        case 'n': g_string_append_c (buf, '\n'); p++; break;
        case 'r': g_string_append_c (buf, '\r'); p++; break;
        case 't': g_string_append_c (buf, '\t'); p++; break;
        case 'u':
          {
            gunichar c = 0;

            for (int pass = 0; pass < 2; pass++)
              {
                guint v = 0;

                if (end - p < 5)
                  {
                    r->p = p;
                    return fail (r, XAPI_JSON_ERROR_SYNTAX, "truncated \\u escape");
                  }
                for (int i = 1; i <= 4; i++)
                  {
                    int d = g_ascii_xdigit_value (p[i]);
                    if (d < 0)
                      {
                        r->p = p;
                        return fail (r, XAPI_JSON_ERROR_SYNTAX, "bad \\u escape");
                      }
                    v = (v << 4) | (guint) d;
                  }
                p += 5;

                if (pass == 0)
                  {
                    if (v >= 0xDC00 && v <= 0xDFFF)
                      {
                        r->p = p;
                        return fail (r, XAPI_JSON_ERROR_SYNTAX, "lone low surrogate");
                      }
                    if (v < 0xD800 || v > 0xDBFF)
                      {
                        c = v;
                        break;
                      }
                    c = v;
                    if (end - p < 2 || p[0] != '\\' || p[1] != 'u')
                      {
                        r->p = p;
                        return fail (r, XAPI_JSON_ERROR_SYNTAX, "lone high surrogate");
                      }
                    p++;   /* onto 'u' for the second pass */
                  }
                else
                  {
                    if (v < 0xDC00 || v > 0xDFFF)
                      {
                        r->p = p;
                        return fail (r, XAPI_JSON_ERROR_SYNTAX, "bad surrogate pair");
                      }
                    c = 0x10000 + ((c - 0xD800) << 10) + (v - 0xDC00);
                  }
              }
            if (c == 0)
              {
                r->p = p;
                return fail (r, XAPI_JSON_ERROR_SYNTAX, "NUL character in string");
              }
            g_string_append_unichar (buf, c);
          }
          break;
        default:
          r->p = p;
          return fail (r, XAPI_JSON_ERROR_SYNTAX, "bad escape '\\%c'", *p);
        }
    }

  if (high && !g_utf8_validate (buf->str, buf->len, NULL))
    {
      r->p = p;
      return fail (r, XAPI_JSON_ERROR_SYNTAX, "invalid UTF-8 in string");
    }
  r->p = p + 1;
  return TRUE;
}

/* Comma handling shared by next_member and next_element.  Returns 1 when
 * an item follows, 0 after consuming the closing bracket, -1 on error. */
static int
next_item (XapiJsonReader *r,
           gboolean        want_object)
{
  guint8 *frame;
  char close = want_object ? '}' : ']';

  if (r->error != NULL)
    return -1;
  if (r->depth == 0 || ((r->frames[r->depth] & FRAME_OBJECT) != 0) != want_object)
    return fail (r, XAPI_JSON_ERROR_TYPE, "not inside an %s", want_object ? "object" : "array") ? -1 : -1;

  frame = &r->frames[r->depth];
  skip_ws (r);
  if (r->p >= r->end)
    return fail (r, XAPI_JSON_ERROR_SYNTAX, "unexpected end of input") ? -1 : -1;

  if (*r->p == close)
    {
      r->p++;
      r->depth--;
      return 0;
    }

  if (*frame & FRAME_FIRST)
    *frame &= ~FRAME_FIRST;
  else
    {
      if (*r->p != ',')
        return fail (r, XAPI_JSON_ERROR_SYNTAX, "expected ',' or '%c'", close) ? -1 : -1;
      r->p++;
      skip_ws (r);
      if (r->p < r->end && *r->p == close)
        return fail (r, XAPI_JSON_ERROR_SYNTAX, "trailing comma") ? -1 : -1;
    }
  return 1;
}

gboolean
xapi_json_reader_next_member (XapiJsonReader  *r,
                              const char     **key,
                              gsize           *key_len)
{
  int res = next_item (r, TRUE);

  if (res <= 0)
    return FALSE;

  skip_ws (r);
  if (r->p >= r->end || *r->p != '"')
    return fail (r, XAPI_JSON_ERROR_SYNTAX, "expected a member name");
  if (!scan_string (r, r->key))
    return FALSE;
  skip_ws (r);
  if (r->p >= r->end || *r->p != ':')
    return fail (r, XAPI_JSON_ERROR_SYNTAX, "expected ':'");
  r->p++;
  skip_ws (r);
  if (r->p >= r->end)
    return fail (r, XAPI_JSON_ERROR_SYNTAX, "unexpected end of input");

  if (key != NULL)
    *key = r->key->str;
  if (key_len != NULL)
    *key_len = r->key->len;
  return TRUE;
}

gboolean
xapi_json_reader_next_element (XapiJsonReader *r)
{
  return next_item (r, FALSE) > 0;
}

gboolean
xapi_json_reader_read_string (XapiJsonReader  *r,
                              const char     **str,
                              gsize           *len)
{
  if (r->error != NULL)
    return FALSE;
  skip_ws (r);
  if (r->p >= r->end)
    return fail (r, XAPI_JSON_ERROR_SYNTAX, "unexpected end of input");
  if (*r->p != '"')
    return fail (r, XAPI_JSON_ERROR_TYPE, "expected a string");
  if (!scan_string (r, r->str))
    return FALSE;
  if (str != NULL)
    *str = r->str->str;
  if (len != NULL)
    *len = r->str->len;
  return TRUE;
}

char *
xapi_json_reader_dup_string (XapiJsonReader *r)
{
  const char *s;
  gsize len;

  /* A plain string is copied straight from the input. */
  skip_ws (r);
  if (r->error == NULL && r->p < r->end && *r->p == '"')
    {
      const char *q = plain_run_end (r->p + 1, r->end);

      if (q < r->end && *q == '"')
        {
          char *out = g_strndup (r->p + 1, (gsize) (q - r->p - 1));

          r->p = q + 1;
          return out;
        }
    }
  if (!xapi_json_reader_read_string (r, &s, &len))
    return NULL;
  return g_strndup (s, len);
}

/* Scan a number token; returns its end or NULL. */
static const char *
scan_number_end (XapiJsonReader *r)
{
  const char *p = r->p, *end = r->end;

  if (p < end && *p == '-')
    p++;
  if (p < end && *p == '0')
    p++;
  else if (p < end && *p >= '1' && *p <= '9')
    while (p < end && g_ascii_isdigit (*p))
      p++;
  else
    return NULL;

  if (p < end && *p == '.')
    {
      p++;
      if (p >= end || !g_ascii_isdigit (*p))
        return NULL;
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if (p >= end || !g_ascii_isdigit (*p))
        return NULL;
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  if (p < end && (g_ascii_isalpha (*p) || *p == '.'))
    return NULL;
  return p;
}

gboolean
xapi_json_reader_read_int64 (XapiJsonReader *r,
                             gint64         *value)
{
  const char *p, *end;
  gboolean neg = FALSE;
  guint64 acc = 0;
  XapiJsonToken tok = xapi_json_reader_peek (r);

  if (tok == XAPI_JSON_TOKEN_ERROR && r->error != NULL)
    return FALSE;
  if (tok != XAPI_JSON_TOKEN_INT)
    return fail (r, tok == XAPI_JSON_TOKEN_EOF ? XAPI_JSON_ERROR_SYNTAX : XAPI_JSON_ERROR_TYPE,
                 "expected an integer");

  end = scan_number_end (r);
  if (end == NULL)
    return fail (r, XAPI_JSON_ERROR_SYNTAX, "malformed number");

  p = r->p;
  if (*p == '-')
    {
      neg = TRUE;
      p++;
    }
  for (; p < end; p++)
    {
      guint d = (guint) (*p - '0');

      if (acc > (G_MAXUINT64 - d) / 10)
        return fail (r, XAPI_JSON_ERROR_RANGE, "integer out of range");
      acc = acc * 10 + d;
    }
  if ((!neg && acc > (guint64) G_MAXINT64) || (neg && acc > (guint64) G_MAXINT64 + 1))
    return fail (r, XAPI_JSON_ERROR_RANGE, "integer out of range");

  if (value != NULL)
    *value = neg ? (gint64) (0 - acc) : (gint64) acc;
  r->p = end;
  return TRUE;
}

gboolean
xapi_json_reader_read_double (XapiJsonReader *r,
                              double         *value)
{
  XapiJsonToken tok = xapi_json_reader_peek (r);
  const char *end;
  double v;

  if (tok == XAPI_JSON_TOKEN_ERROR && r->error != NULL)
    return FALSE;
  if (tok != XAPI_JSON_TOKEN_INT && tok != XAPI_JSON_TOKEN_DOUBLE)
    return fail (r, tok == XAPI_JSON_TOKEN_EOF ? XAPI_JSON_ERROR_SYNTAX : XAPI_JSON_ERROR_TYPE,
                 "expected a number");

  if (match_word (r, "NaN"))
    {
      v = NAN;
      end = r->p + 3;
    }
  else if (match_word (r, "Infinity"))
    {
      v = INFINITY;
      end = r->p + 8;
    }
  else if (match_word (r, "-Infinity"))
    {
      v = -INFINITY;
      end = r->p + 9;
    }
  else
    {
      char tmp[64];
      gsize n;

      end = scan_number_end (r);
      if (end == NULL)
        return fail (r, XAPI_JSON_ERROR_SYNTAX, "malformed number");
      n = (gsize) (end - r->p);
      if (n < sizeof tmp)
        {
          memcpy (tmp, r->p, n);
          tmp[n] = '\0';
          v = g_ascii_strtod (tmp, NULL);
        }
      else
        {
          g_autofree char *big = g_strndup (r->p, n);
          v = g_ascii_strtod (big, NULL);
        }
    }

  if (value != NULL)
    *value = v;
  r->p = end;
  return TRUE;
}

gboolean
xapi_json_reader_read_bool (XapiJsonReader *r,
                            gboolean       *value)
{
  if (xapi_json_reader_peek (r) != XAPI_JSON_TOKEN_BOOL)
    return r->error ? FALSE : fail (r, XAPI_JSON_ERROR_TYPE, "expected a boolean");
  if (match_word (r, "true"))
    {
      r->p += 4;
      if (value)
        *value = TRUE;
      return TRUE;
    }
  if (match_word (r, "false"))
    {
      r->p += 5;
      if (value)
        *value = FALSE;
      return TRUE;
    }
  return fail (r, XAPI_JSON_ERROR_SYNTAX, "bad literal");
}

gboolean
xapi_json_reader_read_null (XapiJsonReader *r)
{
  if (xapi_json_reader_peek (r) != XAPI_JSON_TOKEN_NULL)
    return r->error ? FALSE : fail (r, XAPI_JSON_ERROR_TYPE, "expected null");
  if (!match_word (r, "null"))
    return fail (r, XAPI_JSON_ERROR_SYNTAX, "bad literal");
  r->p += 4;
  return TRUE;
}

gboolean
xapi_json_reader_skip (XapiJsonReader *r)
{
  switch (xapi_json_reader_peek (r))
    {
    case XAPI_JSON_TOKEN_NULL:
      return xapi_json_reader_read_null (r);
    case XAPI_JSON_TOKEN_BOOL:
      return xapi_json_reader_read_bool (r, NULL);
    case XAPI_JSON_TOKEN_INT:
      {
        const char *end = scan_number_end (r);
        if (end == NULL)
          return fail (r, XAPI_JSON_ERROR_SYNTAX, "malformed number");
        r->p = end;
        return TRUE;
      }
    case XAPI_JSON_TOKEN_DOUBLE:
      return xapi_json_reader_read_double (r, NULL);
    case XAPI_JSON_TOKEN_STRING:
      {
        /* Validate but do not keep: reuse the value buffer. */
        return scan_string (r, r->str);
      }
    case XAPI_JSON_TOKEN_BEGIN_OBJECT:
      {
        guint depth;
        if (!xapi_json_reader_begin_object (r))
          return FALSE;
        depth = r->depth;
        while (xapi_json_reader_next_member (r, NULL, NULL))
          if (!xapi_json_reader_skip (r))
            return FALSE;
        return r->error == NULL && r->depth == depth - 1;
      }
    case XAPI_JSON_TOKEN_BEGIN_ARRAY:
      {
        guint depth;
        if (!xapi_json_reader_begin_array (r))
          return FALSE;
        depth = r->depth;
        while (xapi_json_reader_next_element (r))
          if (!xapi_json_reader_skip (r))
            return FALSE;
        return r->error == NULL && r->depth == depth - 1;
      }
    case XAPI_JSON_TOKEN_EOF:
      return fail (r, XAPI_JSON_ERROR_SYNTAX, "unexpected end of input");
    case XAPI_JSON_TOKEN_ERROR:
    case XAPI_JSON_TOKEN_END_OBJECT:
    case XAPI_JSON_TOKEN_END_ARRAY:
    default:
      return r->error ? FALSE : fail (r, XAPI_JSON_ERROR_SYNTAX, "unexpected character");
    }
}

gboolean
xapi_json_reader_read_raw (XapiJsonReader  *r,
                           const char     **start,
                           gsize           *len)
{
  gboolean ok;

  if (r->error != NULL)
    return FALSE;
  g_return_val_if_fail (r->mark == NULL, FALSE);
  skip_ws (r);
  /* a streaming window keeps the value's text from here on */
  r->mark = r->p;
  ok = xapi_json_reader_skip (r);
  if (ok && start != NULL)
    *start = r->mark;
  if (ok && len != NULL)
    *len = (gsize) (r->p - r->mark);
  r->mark = NULL;
  return ok;
}

void
xapi_json_reader_capture_begin (XapiJsonReader *r)
{
  g_return_if_fail (r->capture == NULL);
  if (r->error != NULL)
    return;
  skip_ws (r);
  r->capture = r->p;
}

gboolean
xapi_json_reader_capture_end (XapiJsonReader  *r,
                              const char     **start,
                              gsize           *len)
{
  const char *from = g_steal_pointer (&r->capture);

  if (r->error != NULL || from == NULL)
    return FALSE;
  *start = from;
  *len = (gsize) (r->p - from);
  return TRUE;
}

JsonNode *
xapi_json_reader_read_node (XapiJsonReader *r)
{
  JsonNode *node = NULL;

  switch (xapi_json_reader_peek (r))
    {
    case XAPI_JSON_TOKEN_NULL:
      if (xapi_json_reader_read_null (r))
        node = json_node_new (JSON_NODE_NULL);
      break;
    case XAPI_JSON_TOKEN_BOOL:
      {
        gboolean b;
        if (xapi_json_reader_read_bool (r, &b))
          {
            node = json_node_new (JSON_NODE_VALUE);
            json_node_set_boolean (node, b);
          }
      }
      break;
    case XAPI_JSON_TOKEN_INT:
      {
        gint64 i;
        if (xapi_json_reader_read_int64 (r, &i))
          {
            node = json_node_new (JSON_NODE_VALUE);
            json_node_set_int (node, i);
          }
      }
      break;
    case XAPI_JSON_TOKEN_DOUBLE:
      {
        double d;
        if (xapi_json_reader_read_double (r, &d))
          {
            node = json_node_new (JSON_NODE_VALUE);
            json_node_set_double (node, d);
          }
      }
      break;
    case XAPI_JSON_TOKEN_STRING:
      {
        const char *s;
        if (xapi_json_reader_read_string (r, &s, NULL))
          {
            node = json_node_new (JSON_NODE_VALUE);
            json_node_set_string (node, s);
          }
      }
      break;
    case XAPI_JSON_TOKEN_BEGIN_OBJECT:
      {
        g_autoptr(JsonObject) object = json_object_new ();
        const char *key;
        gsize key_len;

        if (!xapi_json_reader_begin_object (r))
          break;
        while (xapi_json_reader_next_member (r, &key, &key_len))
          {
            g_autofree char *k = g_strndup (key, key_len);
            JsonNode *child = xapi_json_reader_read_node (r);

            if (child == NULL)
              return NULL;
            json_object_set_member (object, k, child);
          }
        if (r->error == NULL)
          {
            node = json_node_new (JSON_NODE_OBJECT);
            json_node_set_object (node, object);
          }
      }
      break;
    case XAPI_JSON_TOKEN_BEGIN_ARRAY:
      {
        g_autoptr(JsonArray) array = json_array_new ();

        if (!xapi_json_reader_begin_array (r))
          break;
        while (xapi_json_reader_next_element (r))
          {
            JsonNode *child = xapi_json_reader_read_node (r);

            if (child == NULL)
              return NULL;
            json_array_add_element (array, child);
          }
        if (r->error == NULL)
          {
            node = json_node_new (JSON_NODE_ARRAY);
            json_node_set_array (node, array);
          }
      }
      break;
    case XAPI_JSON_TOKEN_EOF:
      fail (r, XAPI_JSON_ERROR_SYNTAX, "unexpected end of input");
      break;
    case XAPI_JSON_TOKEN_ERROR:
    case XAPI_JSON_TOKEN_END_OBJECT:
    case XAPI_JSON_TOKEN_END_ARRAY:
    default:
      if (r->error == NULL)
        fail (r, XAPI_JSON_ERROR_SYNTAX, "unexpected character");
      break;
    }

  return node;
}

gboolean
xapi_json_reader_at_end (XapiJsonReader *r)
{
  if (r->error != NULL)
    return FALSE;
  skip_ws (r);
  return r->p >= r->end;
}

JsonNode *
xapi_json_parse (const char  *data,
                 gssize       len,
                 GError     **error)
{
  g_autoptr(XapiJsonReader) r = xapi_json_reader_new (data, len);
  g_autoptr(JsonNode) node = xapi_json_reader_read_node (r);

  if (node != NULL && !xapi_json_reader_at_end (r))
    fail (r, XAPI_JSON_ERROR_SYNTAX, "trailing data after the value");
  if (xapi_json_reader_failed (r, error))
    return NULL;
  return g_steal_pointer (&node);
}

/* ------------------------------------------------------------------------ */
/* Writer                                                                   */

void
xapi_json_append_string (GString    *out,
                         const char *str)
{
  const char *p = str ? str : "";

  g_string_append_c (out, '"');
  while (*p != '\0')
    {
      const char *run = p;

      while (*p != '\0' && *p != '"' && *p != '\\' && (guchar) *p >= 0x20)
        p++;
      if (p > run)
        g_string_append_len (out, run, p - run);
      if (*p == '\0')
        break;
      switch (*p)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default: g_string_append_printf (out, "\\u%04x", (guint) (guchar) *p); break;
        }
      p++;
    }
  g_string_append_c (out, '"');
}

void
xapi_json_append_double (GString *out,
                         double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value))
    {
      g_string_append (out, "NaN");
      return;
    }
  if (isinf (value))
    {
      g_string_append (out, value > 0 ? "Infinity" : "-Infinity");
      return;
    }

  g_ascii_formatd (buf, sizeof buf, "%.16g", value);
  if (g_ascii_strtod (buf, NULL) != value)
    g_ascii_formatd (buf, sizeof buf, "%.17g", value);
  g_string_append (out, buf);
  if (strpbrk (buf, ".eEn") == NULL)
    g_string_append (out, ".0");
}

void
xapi_json_append (GString  *out,
                  JsonNode *node)
{
  if (node == NULL)
    {
      g_string_append (out, "null");
      return;
    }

  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      break;
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        gboolean first = TRUE;

        g_string_append_c (out, '{');
        json_object_iter_init_ordered (&iter, object);
        while (json_object_iter_next_ordered (&iter, &name, &member))
          {
            if (!first)
              g_string_append_c (out, ',');
            first = FALSE;
            xapi_json_append_string (out, name);
            g_string_append_c (out, ':');
            xapi_json_append (out, member);
          }
        g_string_append_c (out, '}');
      }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            xapi_json_append (out, json_array_get_element (array, i));
          }
        g_string_append_c (out, ']');
      }
      break;
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          xapi_json_append_double (out, json_node_get_double (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_STRING:
          xapi_json_append_string (out, json_node_get_string (node));
          break;
        default:
          g_string_append (out, "null");
          break;
        }
      break;
    default:
      g_string_append (out, "null");
      break;
    }
}

char *
xapi_json_to_string (JsonNode *node,
                     gsize    *length)
{
  GString *out = g_string_sized_new (128);

  xapi_json_append (out, node);
  if (length != NULL)
    *length = out->len;
  return g_string_free (out, FALSE);
}

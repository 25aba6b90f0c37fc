/* fuzz-response.c: libFuzzer target over JSON-RPC response decoding
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every input goes through the whole-document JSON parser, a full pull-reader
 * walk (whole and in chunks, which must agree), xapi_rpc_decode_response (as a JsonNode and through the raw-text
 * parser path), the error accessors, and the XML-RPC <value> decoder used
 * for task results.
 */
#include <stdint.h>
#include <string.h>

#include "xapi-error.h"
#include "xapi-json.h"
#include "xapi-rpc.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

typedef struct
{
  const char *data;
  gsize       len;
  gsize       pos;
  gsize       chunk;
} Feed;

static GBytes *
feed_next (gpointer user_data)
{
  Feed *f = user_data;
  gsize n = MIN (f->chunk, f->len - f->pos);

  if (f->pos >= f->len)
    return NULL;
  f->pos += n;
  return g_bytes_new (f->data + f->pos - n, n);
}

static gboolean
walk (XapiJsonReader *reader,
      int             depth)
{
  const char *s;
  gsize len;
  gint64 i;
  double d;
  gboolean b;

  switch (xapi_json_reader_peek (reader))
    {
    case XAPI_JSON_TOKEN_NULL:
      return xapi_json_reader_read_null (reader);
    case XAPI_JSON_TOKEN_BOOL:
      return xapi_json_reader_read_bool (reader, &b);
    case XAPI_JSON_TOKEN_INT:
      return xapi_json_reader_read_int64 (reader, &i);
    case XAPI_JSON_TOKEN_DOUBLE:
      return xapi_json_reader_read_double (reader, &d);
    case XAPI_JSON_TOKEN_STRING:
      return xapi_json_reader_read_string (reader, &s, &len);
    case XAPI_JSON_TOKEN_BEGIN_OBJECT:
      if (!xapi_json_reader_begin_object (reader))
        return FALSE;
      while (xapi_json_reader_next_member (reader, &s, &len))
        {
          /* Alternate between descending, skipping and raw capture. */
          if (depth % 3 == 0)
            {
              if (!walk (reader, depth + 1))
                return FALSE;
            }
          else if (depth % 3 == 1)
            {
              if (!xapi_json_reader_skip (reader))
                return FALSE;
            }
          else if (!xapi_json_reader_read_raw (reader, &s, &len))
            return FALSE;
        }
      return !xapi_json_reader_failed (reader, NULL);
    case XAPI_JSON_TOKEN_BEGIN_ARRAY:
      if (!xapi_json_reader_begin_array (reader))
        return FALSE;
      while (xapi_json_reader_next_element (reader))
        if (!walk (reader, depth + 1))
          return FALSE;
      return !xapi_json_reader_failed (reader, NULL);
    case XAPI_JSON_TOKEN_EOF:
    case XAPI_JSON_TOKEN_ERROR:
    case XAPI_JSON_TOKEN_END_OBJECT:
    case XAPI_JSON_TOKEN_END_ARRAY:
    default:
      return FALSE;
    }
}

/* Result parser: keep the raw text of the result (as the typed wrappers do
 * for records they re-parse later). */
static gpointer
parse_raw (XapiJsonReader  *reader,
           gpointer         user_data,
           GError         **error)
{
  const char *start;
  gsize len;

  if (!xapi_json_reader_read_raw (reader, &start, &len))
    {
      xapi_json_reader_failed (reader, error);
      return NULL;
    }
  return g_strndup (start, len);
}

static void
check_error (GError *error)
{
  if (error == NULL)
    return;
  if (error->domain == XAPI_ERROR)
    {
      const char * const *params = xapi_error_get_params (error);
      const char *code = xapi_error_get_code_string (error);
      g_autofree char *text = xapi_error_describe (error, TRUE);

      if (code != NULL)
        (void) strlen (code);
      for (gsize i = 0; params != NULL && params[i] != NULL; i++)
        (void) strlen (params[i]);
      (void) text;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* Copy so that reads past the end are caught by ASan (no NUL terminator). */
  char *buf = g_malloc (size > 0 ? size : 1);
  memcpy (buf, data, size);

  {
    g_autoptr(GError) error = NULL;
    JsonNode *node = xapi_json_parse (buf, (gssize) size, &error);

    if (node != NULL)
      {
        g_autofree char *text = xapi_json_to_string (node, NULL);
        g_autoptr(GError) error2 = NULL;
        JsonNode *again = xapi_json_parse (text, -1, &error2);

        /* Our own serialisation must always parse back. */
        if (again == NULL)
          g_error ("re-parse of serialised output failed: %s", error2->message);
        json_node_unref (again);
        json_node_unref (node);
      }
  }

  {
    /* The same walk over the input in small chunks must end the same way. */
    g_autoptr(XapiJsonReader) reader = xapi_json_reader_new (buf, (gssize) size);
    Feed feed = { buf, size, 0, 1 + size % 7 };
    g_autoptr(XapiJsonReader) stream = xapi_json_reader_new_streaming (feed_next, &feed);
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) stream_error = NULL;
    gboolean ok = walk (reader, 0) && xapi_json_reader_at_end (reader);
    gboolean stream_ok = walk (stream, 0) && xapi_json_reader_at_end (stream);

    xapi_json_reader_failed (reader, &error);
    xapi_json_reader_failed (stream, &stream_error);
    if (ok != stream_ok ||
        xapi_json_reader_get_offset (reader) != xapi_json_reader_get_offset (stream) ||
        g_strcmp0 (error ? error->message : NULL, stream_error ? stream_error->message : NULL) != 0)
      g_error ("streaming reader differs: %s at %" G_GSIZE_FORMAT " vs %s at %" G_GSIZE_FORMAT,
               error ? error->message : "ok", xapi_json_reader_get_offset (reader),
               stream_error ? stream_error->message : "ok", xapi_json_reader_get_offset (stream));
  }

  {
    g_autoptr(GError) error = NULL;
    JsonNode *node = xapi_rpc_decode_response (buf, size, NULL, NULL, NULL, &error);

    check_error (error);
    if (node != NULL)
      json_node_unref (node);
  }

  {
    g_autoptr(GError) error = NULL;
    char *raw = xapi_rpc_decode_response (buf, size, parse_raw, NULL, g_free, &error);

    check_error (error);
    g_free (raw);
  }

  {
    g_autoptr(GError) error = NULL;
    g_autofree char *fragment = g_strndup (buf, size);   /* the API takes a C string */
    JsonNode *node = xapi_xmlrpc_value_parse (fragment, &error);

    if (node != NULL)
      json_node_unref (node);
  }

  g_free (buf);
  return 0;
}

/* test-rpc.c: JSON-RPC response shapes, XML-RPC task results, and the
 * transport against an in-process HTTP server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>
#include <libsoup/soup.h>

#include "xapi-rpc.h"
#include "xapi-error.h"
#include "sim-fixture.h"

static JsonNode *
decode (const char  *body,
        GError     **error)
{
  return xapi_rpc_decode_response (body, strlen (body), NULL, NULL, NULL, error);
}

static void
test_success_shapes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) v1 = decode ("{\"result\":\"OpaqueRef:a\",\"error\":null,\"id\":\"xyz\"}", &error);
  g_autoptr(JsonNode) v2 = NULL;
  g_autoptr(JsonNode) special = NULL;
  g_autoptr(JsonNode) voidr = NULL;
  JsonObject *o;

  g_assert_no_error (error);
  g_assert_cmpstr (json_node_get_string (v1), ==, "OpaqueRef:a");

  v2 = decode ("{\"jsonrpc\":\"2.0\",\"result\":{\"OpaqueRef:1\":{\"memory\":8589934592,\"x\":NaN,"
               "\"t\":\"20240420T12:00:00Z\"}},\"id\":3}", &error);
  g_assert_no_error (error);
  o = json_object_get_object_member (json_node_get_object (v2), "OpaqueRef:1");
  g_assert_cmpint (json_object_get_int_member (o, "memory"), ==, G_GINT64_CONSTANT (8589934592));
  g_assert_true (isnan (json_object_get_double_member (o, "x")));
  g_assert_cmpstr (json_object_get_string_member (o, "t"), ==, "20240420T12:00:00Z");

  /* Key order must not matter; -Infinity and whitespace are fine. */
  special = decode (" { \"id\" : 1 , \"result\" : [ -Infinity , Infinity ] , \"jsonrpc\" : \"2.0\" } ", &error);
  g_assert_no_error (error);
  g_assert_true (isinf (json_array_get_double_element (json_node_get_array (special), 0)));

  voidr = decode ("{\"jsonrpc\":\"2.0\",\"result\":\"\",\"id\":1}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_node_get_string (voidr), ==, "");
}

static void
expect_api_error (const char    *body,
                  XapiErrorCode  code,
                  const char    *code_string,
                  guint          n_params,
                  const char    *first_param)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = decode (body, &error);

  g_assert_null (node);
  g_assert_error (error, XAPI_ERROR, (int) code);
  g_assert_cmpstr (xapi_error_get_code_string (error), ==, code_string);
  g_assert_cmpuint (g_strv_length ((char **) xapi_error_get_params (error)), ==, n_params);
  if (first_param)
    g_assert_cmpstr (xapi_error_get_params (error)[0], ==, first_param);
}

static void
test_error_shapes (void)
{
  /* v1 */
  expect_api_error ("{\"result\":null,\"error\":[\"SESSION_INVALID\",\"OpaqueRef:s\"],\"id\":1}",
                    XAPI_ERROR_SESSION_INVALID, "SESSION_INVALID", 1, "OpaqueRef:s");
  /* v2 spec shape */
  expect_api_error ("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":1,\"message\":\"HOST_IS_SLAVE\",\"data\":[\"192.0.2.10\"]},\"id\":3}",
                    XAPI_ERROR_HOST_IS_SLAVE, "HOST_IS_SLAVE", 1, "192.0.2.10");
  /* v2 with empty data */
  expect_api_error ("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":1,\"message\":\"MESSAGE_REMOVED\",\"data\":[]},\"id\":3}",
                    XAPI_ERROR_OTHER, "MESSAGE_REMOVED", 0, NULL);
  /* pre-dispatch: an array, id 0 whatever we sent */
  expect_api_error ("{\"jsonrpc\":\"2.0\",\"error\":[\"HOST_STILL_BOOTING\"],\"id\":0}",
                    XAPI_ERROR_HOST_STILL_BOOTING, "HOST_STILL_BOOTING", 0, NULL);
  /* Async on a message without async mode */
  expect_api_error ("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":1,\"message\":\"Fault\",\"data\":[\"No async mode for this operation (rpc: VM.get_name_label)\"]},\"id\":9}",
                    XAPI_ERROR_FAULT, "Fault", 1, NULL);
  /* Non-string parameters are kept as their JSON text. */
  expect_api_error ("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":1,\"message\":\"X\",\"data\":[5,{\"a\":1}]},\"id\":9}",
                    XAPI_ERROR_OTHER, "X", 2, "5");
}

static void
expect_protocol_error (const char *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = decode (body, &error);

  g_assert_null (node);
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_PROTOCOL);
}

static void
test_malformed_replies (void)
{
  expect_protocol_error ("");
  expect_protocol_error ("<html><body>500 Internal Error</body></html>");
  expect_protocol_error ("[\"result\"]");
  expect_protocol_error ("{\"jsonrpc\":\"2.0\",\"id\":1}");
  expect_protocol_error ("{\"jsonrpc\":\"2.0\",\"result\":{\"a\":1");      /* truncated */
  expect_protocol_error ("{\"jsonrpc\":\"2.0\",\"result\":1}{}");          /* trailing */
  expect_protocol_error ("{\"jsonrpc\":\"2.0\",\"result\":1,\"result\":2}");
  expect_protocol_error ("{\"result\":\"\xc3\x28\"}");                     /* invalid UTF-8 */
}

static gpointer
parse_count_members (XapiJsonReader  *reader,
                     gpointer         user_data,
                     GError         **error)
{
  guint *n = g_new0 (guint, 1);
  const char *key;

  g_assert_false (g_main_context_is_owner (g_main_context_default ()) && user_data == NULL);
  if (!xapi_json_reader_begin_object (reader))
    {
      g_free (n);
      xapi_json_reader_failed (reader, error);
      return NULL;
    }
  while (xapi_json_reader_next_member (reader, &key, NULL))
    {
      (*n)++;
      xapi_json_reader_skip (reader);
    }
  if (xapi_json_reader_failed (reader, error))
    {
      g_free (n);
      return NULL;
    }
  return n;
}

static void
test_parsed_decode (void)
{
  const char *ok = "{\"jsonrpc\":\"2.0\",\"result\":{\"a\":1,\"b\":[2],\"c\":{}},\"id\":1}";
  const char *bad = "{\"jsonrpc\":\"2.0\",\"result\":[1,2],\"id\":1}";
  g_autoptr(GError) error = NULL;
  guint *n;

  n = xapi_rpc_decode_response (ok, strlen (ok), parse_count_members, GINT_TO_POINTER (1), g_free, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (*n, ==, 3);
  g_free (n);

  n = xapi_rpc_decode_response (bad, strlen (bad), parse_count_members, GINT_TO_POINTER (1), g_free, &error);
  g_assert_null (n);
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_PROTOCOL);
}

static void
test_xmlrpc_values (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ref = xapi_xmlrpc_value_parse ("<value>OpaqueRef:abc</value>", &error);
  g_autoptr(JsonNode) empty = NULL;
  g_autoptr(JsonNode) array = NULL;
  g_autoptr(JsonNode) st = NULL;
  g_autoptr(JsonNode) bad = NULL;
  JsonObject *o;
  JsonArray *a;

  g_assert_no_error (error);
  g_assert_cmpstr (json_node_get_string (ref), ==, "OpaqueRef:abc");

  empty = xapi_xmlrpc_value_parse ("<value></value>", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_node_get_string (empty), ==, "");

  array = xapi_xmlrpc_value_parse ("<?xml version=\"1.0\"?><value><array><data><value>OpaqueRef:1</value>"
                                   "<value><string>a &amp; b</string></value><value><i8>8589934592</i8></value>"
                                   "<value><double>0.5</double></value><value><boolean>1</boolean></value>"
                                   "</data></array></value>", &error);
  g_assert_no_error (error);
  a = json_node_get_array (array);
  g_assert_cmpuint (json_array_get_length (a), ==, 5);
  g_assert_cmpstr (json_array_get_string_element (a, 1), ==, "a & b");
  g_assert_cmpint (json_array_get_int_element (a, 2), ==, G_GINT64_CONSTANT (8589934592));
  g_assert_cmpfloat (json_array_get_double_element (a, 3), ==, 0.5);
  g_assert_true (json_array_get_boolean_element (a, 4));

  st = xapi_xmlrpc_value_parse ("<value><struct><member><name>k</name><value>v</value></member>"
                                "<member><name>n</name><value><struct></struct></value></member>"
                                "</struct></value>", &error);
  g_assert_no_error (error);
  o = json_node_get_object (st);
  g_assert_cmpstr (json_object_get_string_member (o, "k"), ==, "v");
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "n")));

  bad = xapi_xmlrpc_value_parse ("<value><array><value>x</value></array></value>", &error);
  g_assert_null (bad);
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_PROTOCOL);
  g_clear_error (&error);
  bad = xapi_xmlrpc_value_parse ("<value><int>12x</int></value>", &error);
  g_assert_null (bad);
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_PROTOCOL);
  g_clear_error (&error);
  bad = xapi_xmlrpc_value_parse ("<value>unterminated", &error);
  g_assert_null (bad);
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_PROTOCOL);
}

/* ---- live transport against an in-process server ---- */

typedef struct {
  SoupServer *server;
  char       *base;
  guint       requests;
  GPtrArray  *paused;
  char       *last_body;
} Server;

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  Server *s = user_data;
  SoupMessageBody *req = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (req);
  g_autoptr(JsonNode) request = xapi_json_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL);
  const char *method;
  JsonObject *o;

  s->requests++;
  g_free (s->last_body);
  s->last_body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  if (strcmp (path, "/jsonrpc") != 0 || request == NULL)
    {
      soup_server_message_set_status (msg, 500, NULL);
      return;
    }
  o = json_node_get_object (request);
  method = json_object_get_string_member (o, "method");

  if (strcmp (method, "hang") == 0)
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (s->paused, g_object_ref (msg));
      return;
    }
  if (strcmp (method, "http500") == 0)
    {
      soup_server_message_set_status (msg, 500, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, "<html/>", 7);
      return;
    }
  if (strcmp (method, "xmlrpc") == 0)
    {
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/xml", SOUP_MEMORY_STATIC, "<methodResponse/>", 17);
      return;
    }
  if (strcmp (method, "echo") == 0)
    {
      g_autoptr(GString) reply = g_string_new ("{\"jsonrpc\":\"2.0\",\"result\":");
      xapi_json_append (reply, json_object_get_member (o, "params"));
      g_string_append_printf (reply, ",\"id\":%" G_GINT64_FORMAT "}", json_object_get_int_member (o, "id"));
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, reply->str, reply->len);
      return;
    }
  if (g_str_has_prefix (method, "big-stream"))
    {
      /* ~3 MB without Content-Length, sent as it is made: a parsed call
       * decodes it while it arrives */
      g_autoptr(GString) reply = g_string_new ("{\"jsonrpc\":\"2.0\",\"result\":{");
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
      SoupMessageBody *body = soup_server_message_get_response_body (msg);
      gboolean stall = strcmp (method, "big-stream-stall") == 0;

      for (int i = 0; i < 50000; i++)
        g_string_append_printf (reply, "%s\"OpaqueRef:%d\":{\"name_label\":\"vm %d\",\"x\":NaN}", i ? "," : "", i, i);
      g_string_append (reply, "},\"id\":1}");
      if (strcmp (method, "big-stream-garbled") == 0)
        reply->str[reply->len * 3 / 5] = '#';
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_headers_set_content_type (headers, "application/json", NULL);
      /* a stalled reply sends half and never the rest */
      for (gsize off = 0; off < (stall ? reply->len / 2 : reply->len); off += 70000)
        soup_message_body_append (body, SOUP_MEMORY_COPY, reply->str + off, MIN (70000, reply->len - off));
      if (!stall)
        soup_message_body_complete (body);
      else
        g_ptr_array_add (s->paused, g_object_ref (msg));
      return;
    }
  if (strcmp (method, "big") == 0 || strcmp (method, "big-chunked") == 0)
    {
      g_autoptr(GString) reply = g_string_new ("{\"jsonrpc\":\"2.0\",\"result\":{");
      for (int i = 0; i < 20000; i++)
        g_string_append_printf (reply, "%s\"OpaqueRef:%d\":{\"name_label\":\"vm %d\",\"x\":NaN}", i ? "," : "", i, i);
      g_string_append (reply, "},\"id\":1}");
      soup_server_message_set_status (msg, 200, NULL);
      if (strcmp (method, "big") == 0)
        soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, reply->str, reply->len);
      else
        {
          /* no Content-Length: the client grows its buffer as it reads */
          SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
          SoupMessageBody *body = soup_server_message_get_response_body (msg);

          soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
          soup_message_headers_set_content_type (headers, "application/json", NULL);
          for (gsize off = 0; off < reply->len; off += 70000)
            soup_message_body_append (body, SOUP_MEMORY_COPY, reply->str + off, MIN (70000, reply->len - off));
          soup_message_body_complete (body);
        }
      return;
    }
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                    "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":1,\"message\":\"MESSAGE_METHOD_UNKNOWN\",\"data\":[\"x\"]},\"id\":1}",
                                    strlen ("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":1,\"message\":\"MESSAGE_METHOD_UNKNOWN\",\"data\":[\"x\"]},\"id\":1}"));
}

static Server *
server_start (void)
{
  Server *s = g_new0 (Server, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  s->paused = g_ptr_array_new_with_free_func (g_object_unref);
  s->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (s->server, NULL, handler, s, NULL);
  soup_server_listen_local (s->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (s->server);
  s->base = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return s;
}

static void
server_stop (Server *s)
{
  for (guint i = 0; i < s->paused->len; i++)
    soup_server_message_unpause (g_ptr_array_index (s->paused, i));
  g_ptr_array_unref (s->paused);
  soup_server_disconnect (s->server);
  g_object_unref (s->server);
  /* let libsoup finish the server side of unpaused and dropped messages */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_free (s->base);
  g_free (s->last_body);
  g_free (s);
}

static JsonNode *
call_sync (XapiRpc      *rpc,
           const char   *method,
           JsonArray    *params,
           guint         timeout_ms,
           GCancellable *cancellable,
           GError      **error)
{
  GAsyncResult *result = NULL;
  JsonNode *node;

  xapi_rpc_call_async (rpc, method, params, timeout_ms, cancellable, xapi_test_store_result, &result);
  xapi_test_wait_result (&result, 20000);
  node = xapi_rpc_call_finish (rpc, result, error);
  g_object_unref (result);
  return node;
}

static void
test_live_calls (void)
{
  Server *s = server_start ();
  g_autoptr(XapiRpc) rpc = xapi_rpc_new (s->base);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) echo = NULL;
  g_autoptr(JsonNode) big = NULL;
  g_autoptr(JsonNode) none = NULL;
  JsonArray *params = json_array_new ();

  json_array_add_string_element (params, "quote\" and \xe2\x82\xac");
  json_array_add_int_element (params, G_MAXINT64);
  echo = call_sync (rpc, "echo", params, 5000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_array_get_string_element (json_node_get_array (echo), 0), ==, "quote\" and \xe2\x82\xac");
  g_assert_cmpint (json_array_get_int_element (json_node_get_array (echo), 1), ==, G_MAXINT64);
  /* The request is JSON-RPC 2.0 with a positional array. */
  g_assert_nonnull (strstr (s->last_body, "\"jsonrpc\":\"2.0\""));
  g_assert_nonnull (strstr (s->last_body, "\"method\":\"echo\""));

  big = call_sync (rpc, "big", NULL, 10000, NULL, &error);   /* decoded in a worker thread */
  g_assert_no_error (error);
  g_assert_cmpuint (json_object_get_size (json_node_get_object (big)), ==, 20000);
  g_clear_pointer (&big, json_node_unref);
  big = call_sync (rpc, "big-chunked", NULL, 10000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_object_get_size (json_node_get_object (big)), ==, 20000);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_node_get_object (big), "OpaqueRef:19999"),
                                                  "name_label"), ==, "vm 19999");

  none = call_sync (rpc, "nosuch", NULL, 5000, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_MESSAGE_METHOD_UNKNOWN);
  g_clear_error (&error);

  none = call_sync (rpc, "http500", NULL, 5000, NULL, &error);
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_HTTP);
  g_clear_error (&error);

  none = call_sync (rpc, "xmlrpc", NULL, 5000, NULL, &error);
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_PROTOCOL);
  g_clear_error (&error);

  server_stop (s);
}

static guint *
call_counted (XapiRpc      *rpc,
              const char   *method,
              guint         timeout_ms,
              GCancellable *cancellable,
              GError      **error)
{
  GAsyncResult *result = NULL;
  guint *n;

  xapi_rpc_call_parsed_async (rpc, method, NULL, timeout_ms, parse_count_members, NULL, g_free,
                              cancellable, xapi_test_store_result, &result);
  xapi_test_wait_result (&result, 20000);
  n = xapi_rpc_call_parsed_finish (rpc, result, error);
  g_object_unref (result);
  return n;
}

typedef struct { Server *s; guint stalled; GCancellable *cancellable; } StallCancel;

/* Cancel once the server has sent half of the next stalled reply. */
static gboolean
cancel_when_stalled (gpointer data)
{
  StallCancel *c = data;

  if (c->s->paused->len <= c->stalled)
    return G_SOURCE_CONTINUE;
  g_cancellable_cancel (c->cancellable);
  return G_SOURCE_REMOVE;
}

static void
test_streamed_decode (void)
{
  Server *s = server_start ();
  g_autoptr(XapiRpc) rpc = xapi_rpc_new (s->base);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guint *n = NULL;

  /* decoded in a worker while the body arrives */
  n = call_counted (rpc, "big-stream", 20000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (*n, ==, 50000);
  g_clear_pointer (&n, g_free);

  /* malformed in the middle: a protocol error, and the next call works */
  n = call_counted (rpc, "big-stream-garbled", 20000, NULL, &error);
  g_assert_null (n);
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_PROTOCOL);
  g_clear_error (&error);
  n = call_counted (rpc, "big-stream", 20000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (*n, ==, 50000);
  g_clear_pointer (&n, g_free);

  /* a body that stops half-way: the timeout is reported, not the JSON
   * error the missing half would cause */
  n = call_counted (rpc, "big-stream-stall", 1000, NULL, &error);
  g_assert_null (n);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);

  /* and cancelling one half-way is reported as such */
  {
    StallCancel c = { s, s->paused->len, cancellable };

    g_timeout_add (10, cancel_when_stalled, &c);
    n = call_counted (rpc, "big-stream-stall", 20000, cancellable, &error);
  }
  g_assert_null (n);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  server_stop (s);
}

static gboolean
two_paused (gpointer data)
{
  return ((Server *) data)->paused->len >= 2;
}

static void
test_timeout_and_cancel (void)
{
  Server *s = server_start ();
  g_autoptr(XapiRpc) rpc = xapi_rpc_new (s->base);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  GAsyncResult *result = NULL;

  node = call_sync (rpc, "hang", NULL, 200, NULL, &error);
  g_assert_null (node);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);

  xapi_rpc_call_async (rpc, "hang", NULL, 0, cancellable, xapi_test_store_result, &result);
  g_assert_true (xapi_test_wait_for (two_paused, s, 10000));
  g_cancellable_cancel (cancellable);
  xapi_test_wait_result (&result, 10000);
  node = xapi_rpc_call_finish (rpc, result, &error);
  g_clear_object (&result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Calls in flight at once: a hung one does not block the others. */
  xapi_rpc_call_async (rpc, "hang", NULL, 0, NULL, xapi_test_store_result, &result);
  {
    g_autoptr(JsonNode) echo = call_sync (rpc, "echo", NULL, 5000, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (echo);
  }

  /* The server vanishing mid-call gives a transport error, not a hang. */
  server_stop (s);
  xapi_test_wait_result (&result, 10000);
  node = xapi_rpc_call_finish (rpc, result, &error);
  g_object_unref (result);
  g_assert_null (node);
  g_assert_nonnull (error);
  g_assert_false (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
}

typedef struct {
  XapiSim *sim;
  gint64   calls;   /* the calls the simulator had received before */
} SimCalls;

static gboolean
sim_got_call (gpointer data)
{
  SimCalls *c = data;

  return xapi_sim_stat (c->sim, "calls") > c->calls;
}

/* The main loop held up past a call's timeout (the application stalled)
 * while the server answered: the answer is read, not a timeout reported. */
static void
test_stalled_loop (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiRpc) rpc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) delayed = NULL;
  GAsyncResult *result = NULL;
  JsonArray *params = json_array_new ();
  SimCalls c;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", "--no-tls", NULL);
  rpc = xapi_rpc_new (sim->url);
  c = (SimCalls) { sim, xapi_sim_stat (sim, "calls") };
  delayed = xapi_sim_control (sim, "/delay", "{\"ms\":1000,\"count\":1}");
  json_array_add_string_element (params, "root");
  json_array_add_string_element (params, "secret");
  xapi_rpc_call_async (rpc, "session.login_with_password", params, 1500, NULL,
                       xapi_test_store_result, &result);
  g_assert_true (xapi_test_wait_for (sim_got_call, &c, 10000));
  g_assert_null (result);
  /* The stall itself, the fault under test: the answer comes 1 s into it,
   * the timeout is due 1.5 s into it (not a wait for either). */
  g_usleep (2500 * 1000);
  xapi_test_wait_result (&result, 10000);
  node = xapi_rpc_call_finish (rpc, result, &error);
  g_object_unref (result);
  g_assert_no_error (error);
  g_assert_nonnull (node);
}

static void
test_refused (void)
{
  g_autoptr(XapiRpc) rpc = xapi_rpc_new ("http://127.0.0.1:1");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = call_sync (rpc, "x", NULL, 5000, NULL, &error);

  g_assert_null (node);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rpc/success-shapes", test_success_shapes);
  g_test_add_func ("/rpc/error-shapes", test_error_shapes);
  g_test_add_func ("/rpc/malformed-replies", test_malformed_replies);
  g_test_add_func ("/rpc/parsed-decode", test_parsed_decode);
  g_test_add_func ("/rpc/xmlrpc-values", test_xmlrpc_values);
  g_test_add_func ("/rpc/live-calls", test_live_calls);
  g_test_add_func ("/rpc/timeout-and-cancel", test_timeout_and_cancel);
  g_test_add_func ("/rpc/streamed-decode", test_streamed_decode);
  g_test_add_func ("/rpc/refused", test_refused);
  g_test_add_func ("/rpc/stalled-loop", test_stalled_loop);

  return g_test_run ();
}

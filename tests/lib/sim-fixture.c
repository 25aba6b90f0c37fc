/* sim-fixture.c: spawn xapi-sim for library tests, talk to it directly
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <libsoup/soup.h>

#include "sim-fixture.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-json.h"
#include "xapi-rpc.h"

const char *
xapi_sim_path (void)
{
  const char *path = g_getenv ("XAPI_SIM");

  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    return NULL;
  return path;
}

static gboolean
accept_any (SoupMessage     *msg,
            GTlsCertificate *certificate,
            GTlsCertificateFlags errors,
            gpointer         user_data)
{
  return TRUE;
}

/* A request made with @session, or with a new session (a new connection,
 * so the certificate seen is the server's current one) if NULL.  The call
 * blocks without running the main loop: a test's client waits meanwhile,
 * so the kept session's connections spare it a TLS handshake per call. */
static JsonNode *
http_json (SoupSession *session,
           const char  *method,
           const char  *url,
           const char  *body,
           char       **out_fingerprint)
{
  g_autoptr(SoupSession) fresh = session == NULL ? soup_session_new () : NULL;
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  g_assert_nonnull (msg);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any), NULL);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  reply = soup_session_send_and_read (session != NULL ? session : fresh, msg, NULL, &error);
  g_assert_no_error (error);

  if (out_fingerprint != NULL)
    {
      GTlsCertificate *cert = soup_message_get_tls_peer_certificate (msg);
      *out_fingerprint = cert ? xapi_certificate_sha256_fingerprint (cert) : NULL;
    }

  if (g_bytes_get_size (reply) == 0)
    return json_node_new (JSON_NODE_NULL);

  node = xapi_json_parse (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), &error);
  if (node == NULL)
    g_error ("%s %s: reply is not JSON (%s): %.*s", method, url, error->message,
             (int) MIN (200, g_bytes_get_size (reply)), (const char *) g_bytes_get_data (reply, NULL));
  return node;
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

XapiSim *
xapi_sim_start (const char *first_arg,
                ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  XapiSim *sim;
  va_list ap;
  const char *arg;

  g_assert_nonnull (xapi_sim_path ());

  g_ptr_array_add (argv, (gpointer) xapi_sim_path ());
  g_ptr_array_add (argv, (gpointer) "--port");
  g_ptr_array_add (argv, (gpointer) "0");
  va_start (ap, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  sim = g_new0 (XapiSim, 1);
  sim->session = soup_session_new ();
  sim->member_names = g_ptr_array_new_with_free_func (g_free);
  sim->member_urls = g_ptr_array_new_with_free_func (g_free);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  /* A test that crashes or times out must not leave a simulator behind
   * holding the runner's pipes open. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  sim->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sim->process));
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL)
        g_error ("xapi-sim exited before printing CONTROL");

      if (g_str_has_prefix (line, "READY "))
        sim->url = g_strdup (line + 6);
      else if (g_str_has_prefix (line, "MEMBER "))
        {
          g_auto(GStrv) parts = g_strsplit (line + 7, " ", 2);

          if (parts[0] && parts[1])
            {
              g_ptr_array_add (sim->member_names, g_strdup (parts[0]));
              g_ptr_array_add (sim->member_urls, g_strdup (parts[1]));
            }
        }
      else if (g_str_has_prefix (line, "CONTROL "))
        {
          sim->control_url = g_strdup (line + 8);
          break;
        }
    }
  g_assert_nonnull (sim->url);

  if (g_str_has_prefix (sim->url, "https:"))
    {
      g_autofree char *url = g_strconcat (sim->url, "/jsonrpc", NULL);
      g_autoptr(JsonNode) reply =
        http_json (NULL, "POST", url, "{\"jsonrpc\":\"2.0\",\"method\":\"system.listMethods\",\"params\":[],\"id\":1}",
                   &sim->fingerprint);
    }

  return sim;
}

void
xapi_sim_stop (XapiSim *sim)
{
  if (sim == NULL)
    return;
  if (sim->process != NULL)
    {
      g_subprocess_send_signal (sim->process, SIGTERM);
      g_subprocess_wait (sim->process, NULL, NULL);
      g_clear_object (&sim->process);
    }
  g_clear_object (&sim->session);
  g_free (sim->url);
  g_free (sim->control_url);
  g_free (sim->fingerprint);
  g_ptr_array_unref (sim->member_names);
  g_ptr_array_unref (sim->member_urls);
  g_free (sim);
}

JsonNode *
xapi_sim_control (XapiSim    *sim,
                  const char *path,
                  const char *json_body)
{
  g_autofree char *url = g_strconcat (sim->control_url, path, NULL);

  return http_json (sim->session, json_body ? "POST" : "GET", url, json_body, NULL);
}

/* One of the counters /stats gives (calls, console_requests...). */
gint64
xapi_sim_stat (XapiSim    *sim,
               const char *member)
{
  g_autoptr(JsonNode) stats = xapi_sim_control (sim, "/stats", NULL);

  return json_object_get_int_member (json_node_get_object (stats), member);
}

JsonNode *
xapi_sim_raw_call (XapiSim    *sim,
                   const char *url,
                   const char *method,
                   const char *params_json)
{
  g_autofree char *endpoint = g_strconcat (url ? url : sim->url, "/jsonrpc", NULL);
  g_autofree char *body = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"method\":\"%s\",\"params\":%s,\"id\":7}",
                                           method, params_json ? params_json : "[]");

  return http_json (sim->session, "POST", endpoint, body, NULL);
}

char *
xapi_sim_fetch_fingerprint (XapiSim    *sim,
                            const char *url)
{
  g_autofree char *rpc = g_strconcat (url, "/jsonrpc", NULL);
  g_autoptr(JsonNode) reply = NULL;
  char *fingerprint = NULL;

  reply = http_json (NULL, "POST", rpc, "{\"jsonrpc\":\"2.0\",\"method\":\"system.listMethods\",\"params\":[],\"id\":1}",
                     &fingerprint);
  return fingerprint;
}

char *
xapi_sim_raw_login (XapiSim *sim)
{
  g_autoptr(JsonNode) reply = xapi_sim_raw_call (sim, NULL, "session.login_with_password",
                                                 "[\"root\",\"secret\",\"2.21\",\"sim-fixture\"]");
  JsonObject *object = json_node_get_object (reply);

  g_assert_true (json_object_has_member (object, "result"));
  return g_strdup (json_object_get_string_member (object, "result"));
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_REMOVE;
}

JsonNode *
xapi_sim_raw_result (XapiSim    *sim,
                     const char *method,
                     const char *args_json)
{
  g_autofree char *session = xapi_sim_raw_login (sim);
  g_autofree char *params = g_strdup_printf ("[\"%s\"%s%s]", session,
                                             args_json != NULL ? "," : "", args_json != NULL ? args_json : "");
  g_autoptr(JsonNode) reply = xapi_sim_raw_call (sim, NULL, method, params);
  JsonObject *o = json_node_get_object (reply);

  if (!json_object_has_member (o, "result"))
    return NULL;
  return json_node_copy (json_object_get_member (o, "result"));
}

JsonObject *
xapi_sim_raw_record (XapiSim    *sim,
                     const char *klass,
                     const char *ref)
{
  g_autofree char *method = g_strdup_printf ("%s.get_record", klass);
  g_autofree char *arg = g_strdup_printf ("\"%s\"", ref);
  g_autoptr(JsonNode) n = xapi_sim_raw_result (sim, method, arg);

  g_assert_nonnull (n);
  return json_object_ref (json_node_get_object (n));
}

guint
xapi_sim_raw_count (XapiSim    *sim,
                    const char *method)
{
  g_autoptr(JsonNode) n = xapi_sim_raw_result (sim, method, NULL);

  g_assert_nonnull (n);
  return json_array_get_length (json_node_get_array (n));
}

gboolean
xapi_test_wait_for (gboolean (*cond) (gpointer data),
                    gpointer  data,
                    guint     timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () >= deadline)
        return cond (data);
      /* Blocks until something happens; a timeout source wakes us at the deadline. */
      {
        GSource *wake = g_timeout_source_new (50);

        g_source_set_callback (wake, wake_cb, NULL, NULL);
        g_source_attach (wake, NULL);
        g_main_context_iteration (NULL, TRUE);
        g_source_destroy (wake);
        g_source_unref (wake);
      }
    }
  return TRUE;
}

void
xapi_test_store_result (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static gboolean
slot_filled (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

GAsyncResult *
xapi_test_wait_result (GAsyncResult **slot,
                       guint          timeout_ms)
{
  if (!xapi_test_wait_for (slot_filled, slot, timeout_ms))
    g_error ("timed out after %u ms waiting for an async result", timeout_ms);
  return *slot;
}

void
xapi_test_connection_close (XapiTestConnection *conn)
{
  XapiConnectionState state = xapi_connection_get_state (conn);

  if (state != XAPI_CONNECTION_STATE_DISCONNECTED && state != XAPI_CONNECTION_STATE_FAILED)
    {
      GAsyncResult *result = NULL;

      xapi_connection_close_async (conn, NULL, xapi_test_store_result, &result);
      xapi_test_wait_result (&result, 10000);
      xapi_connection_close_finish (conn, result, NULL);
      g_object_unref (result);
    }
  g_object_unref (conn);
}

gboolean
xapi_test_skip_without_sim (void)
{
  if (xapi_sim_path () == NULL)
    {
      g_test_skip ("xapi-sim not built (XAPI_SIM unset)");
      return TRUE;
    }
  return FALSE;
}

gboolean
xapi_test_open_sync (XapiConnection *conn,
                     GError        **error)
{
  GAsyncResult *result = NULL;
  gboolean ok;

  xapi_connection_open_async (conn, NULL, xapi_test_store_result, &result);
  xapi_test_wait_result (&result, 30000);
  ok = xapi_connection_open_finish (conn, result, error);
  g_object_unref (result);
  return ok;
}

XapiConnection *
xapi_test_root_connection (XapiSim    *sim,
                           const char *pin)
{
  XapiConnection *conn = xapi_connection_new (sim->url, "root");

  xapi_connection_set_password (conn, "any");
  if (pin != NULL)
    xapi_connection_set_pinned_fingerprint (conn, pin);
  return conn;
}

XapiConnection *
xapi_test_connect_pinned (XapiSim    *sim,
                          const char *url,
                          const char *password)
{
  XapiConnection *conn = xapi_connection_new (url ? url : sim->url, "root");
  g_autoptr(GError) error = NULL;

  xapi_connection_set_password (conn, password ? password : "any");
  xapi_connection_set_pinned_fingerprint (conn, sim->fingerprint);
  g_assert_true (xapi_test_open_sync (conn, &error));
  g_assert_no_error (error);
  g_assert_cmpint (xapi_connection_get_state (conn), ==, XAPI_CONNECTION_STATE_CONNECTED);
  return conn;
}

void
xapi_test_assert_cache_is_server (XapiSim   *sim,
                                  XapiCache *cache)
{
  g_autoptr(JsonNode) result = xapi_sim_raw_result (sim, "event.from", "[\"*\"],\"\",0.0");
  guint n_tasks = g_list_model_get_n_items (xapi_cache_get_objects (cache, XAPI_TYPE_TASK));
  JsonArray *events;
  guint n = 0;

  g_assert_nonnull (result);
  events = json_object_get_array_member (json_node_get_object (result), "events");
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      const char *klass = json_object_get_string_member (event, "class");
      const char *ref = json_object_get_string_member (event, "ref");
      XapiObject *object;

      if (g_str_equal (klass, "task"))
        continue;
      object = xapi_cache_lookup (cache, ref);
      if (object == NULL)
        g_error ("%s %s is on the server but not in the cache", klass, ref);
      g_assert_cmpint (g_ascii_strcasecmp (xapi_object_get_class_name (object), klass), ==, 0);
      n++;
    }
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (xapi_cache_get_n_objects (cache) - n_tasks, ==, n);
}

GBytes *
xapi_test_feed_next (gpointer user_data)
{
  XapiTestFeed *f = user_data;
  gsize n = MIN (f->chunk, f->len - f->pos);

  if (f->pos >= f->len)
    return NULL;
  f->pos += n;
  return g_bytes_new (f->data + f->pos - n, n);
}

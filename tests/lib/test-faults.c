/* test-faults.c: XapiConnection against every fault xapi-sim can inject
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "sim-fixture.h"
#include "xapi-cache.h"
#include "xapi-error.h"
#include "xapi-classes.h"

#define WAIT_MS 30000

/* One synchronous call through the connection (main context iterated). */
static JsonNode *
call_sync (XapiConnection *conn,
           const char     *method,
           JsonArray      *params,
           GError        **error)
{
  GAsyncResult *result = NULL;
  JsonNode *node;

  xapi_connection_call_async (conn, method, params ? params : json_array_new (), NULL,
                              xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  node = xapi_connection_call_finish (conn, result, error);
  g_object_unref (result);
  return node;
}

static void
control (XapiSim    *sim,
         const char *path,
         const char *body)
{
  json_node_unref (xapi_sim_control (sim, path, body));
}

static gboolean
is_connected (gpointer data)
{
  return xapi_connection_get_state (data) == XAPI_CONNECTION_STATE_CONNECTED;
}

typedef struct {
  GArray *states;
} StateLog;

static void
record_state (XapiConnection *conn,
              GParamSpec     *pspec,
              StateLog       *log)
{
  XapiConnectionState s = xapi_connection_get_state (conn);

  g_array_append_val (log->states, s);
}

static gboolean
saw_state (StateLog            *log,
           XapiConnectionState  state)
{
  for (guint i = 0; i < log->states->len; i++)
    if (g_array_index (log->states, XapiConnectionState, i) == state)
      return TRUE;
  return FALSE;
}

static XapiVm *
any_vm (XapiCache *cache)
{
  GListModel *vms = xapi_cache_get_objects (cache, XAPI_TYPE_VM);

  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);

      if (!xapi_vm_get_is_a_template (vm) && !xapi_vm_get_is_control_domain (vm))
        return vm;   /* kept alive by the cache */
    }
  return NULL;
}

typedef struct {
  XapiVm     *vm;
  const char *label;
} LabelWait;

static gboolean
label_is (gpointer data)
{
  LabelWait *w = data;

  return g_strcmp0 (xapi_vm_get_name_label (w->vm), w->label) == 0;
}

/* A change made by another client after the fault must still arrive: the
 * event loop is alive, and on the same object as before. */
static void
assert_events_flow (XapiSim        *sim,
                    XapiConnection *conn,
                    XapiVm         *vm,
                    const char     *label)
{
  g_autofree char *body = NULL;
  LabelWait w = { vm, label };

  body = g_strdup_printf ("{\"class\":\"VM\",\"ref\":\"%s\",\"field\":\"name_label\",\"value\":\"%s\"}",
                          xapi_object_get_ref (XAPI_OBJECT (vm)), label);
  control (sim, "/mutate", body);
  g_assert_true (xapi_test_wait_for (label_is, &w, WAIT_MS));
  g_assert_true (xapi_cache_lookup (xapi_connection_get_cache (conn),
                                    xapi_object_get_ref (XAPI_OBJECT (vm))) == XAPI_OBJECT (vm));
}

static void
test_invalidate_sessions (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *old_session = NULL;
  XapiVm *vm;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  vm = any_vm (xapi_connection_get_cache (conn));
  old_session = g_strdup (xapi_connection_get_session_ref (conn));

  control (sim, "/invalidate-sessions", "{}");

  /* An ordinary call logs in again behind the scenes and succeeds. */
  reply = call_sync (conn, "VM.get_all", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (reply));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (reply)), >, 0);
  g_assert_cmpstr (xapi_connection_get_session_ref (conn), !=, old_session);

  g_assert_true (xapi_test_wait_for (is_connected, conn, WAIT_MS));
  assert_events_flow (sim, conn, vm, "after invalidate");
}

static void
test_drop_connections (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  XapiVm *vm;
  guint n_vms;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  vm = any_vm (xapi_connection_get_cache (conn));
  g_object_ref (vm);
  n_vms = g_list_model_get_n_items (xapi_cache_get_objects (xapi_connection_get_cache (conn), XAPI_TYPE_VM));

  control (sim, "/drop-connections", "{}");
  g_assert_true (xapi_test_wait_for (is_connected, conn, WAIT_MS));
  assert_events_flow (sim, conn, vm, "after drop");
  g_assert_cmpuint (g_list_model_get_n_items (xapi_cache_get_objects (xapi_connection_get_cache (conn), XAPI_TYPE_VM)),
                    ==, n_vms);
  g_object_unref (vm);
}

static gboolean
state_is_reconnecting (gpointer data)
{
  return xapi_connection_get_state (data) == XAPI_CONNECTION_STATE_RECONNECTING;
}

static void
test_restart_toolstack (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GArray) states = g_array_new (FALSE, FALSE, sizeof (XapiConnectionState));
  StateLog log = { states };
  g_autofree char *old_session = NULL;
  XapiVm *vm;
  gulong id;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  vm = any_vm (xapi_connection_get_cache (conn));
  old_session = g_strdup (xapi_connection_get_session_ref (conn));
  id = g_signal_connect (conn, "notify::state", G_CALLBACK (record_state), &log);

  control (sim, "/restart-toolstack", "{\"down_seconds\":2}");
  g_assert_true (xapi_test_wait_for (state_is_reconnecting, conn, WAIT_MS));
  g_assert_nonnull (xapi_connection_get_error (conn));
  g_assert_true (xapi_test_wait_for (is_connected, conn, WAIT_MS));

  g_assert_true (saw_state (&log, XAPI_CONNECTION_STATE_RECONNECTING));
  g_assert_cmpstr (xapi_connection_get_session_ref (conn), !=, old_session);
  assert_events_flow (sim, conn, vm, "after toolstack restart");
  g_signal_handler_disconnect (conn, id);
}

typedef struct {
  XapiConnection *conn;
  const char     *uri;
} UriWait;

static gboolean
uri_is (gpointer data)
{
  UriWait *w = data;

  return g_strcmp0 (xapi_connection_get_uri (w->conn), w->uri) == 0 &&
         xapi_connection_get_state (w->conn) == XAPI_CONNECTION_STATE_CONNECTED;
}

static gboolean
trust_sim (XapiConnection       *connection,
           const char           *host,
           GTlsCertificate      *certificate,
           const char           *fingerprint,
           GTlsCertificateFlags  errors,
           gpointer              user_data)
{
  return g_strcmp0 (fingerprint, user_data) == 0;
}

static void
test_move_master (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(JsonNode) moved = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *new_url = NULL;
  XapiVm *vm;
  UriWait w;

  if (xapi_test_skip_without_sim ())
    return;
  /* Each host has its own certificate: the connection trusts the new
   * master by the fingerprint the pool published for it. */
  sim = xapi_sim_start ("--scenario", "demo", "--per-host-certificates", NULL);
  g_assert_cmpuint (sim->member_urls->len, >, 0);
  conn = xapi_connection_new (sim->url, "root");
  xapi_connection_set_password (conn, "any");
  xapi_connection_set_trust_func (conn, trust_sim, g_strdup (sim->fingerprint), g_free);
  g_assert_true (xapi_test_open_sync (conn, &error));
  g_assert_no_error (error);
  vm = any_vm (xapi_connection_get_cache (conn));

  moved = xapi_sim_control (sim, "/move-master", "{}");
  {
    const char *address = json_object_get_string_member (json_node_get_object (moved), "address");

    for (guint i = 0; i < sim->member_urls->len; i++)
      if (strstr (g_ptr_array_index (sim->member_urls, i), address) != NULL)
        new_url = g_strdup (g_ptr_array_index (sim->member_urls, i));
  }
  g_assert_nonnull (new_url);
  g_assert_cmpstr (new_url, !=, sim->url);

  /* The connection follows the master to its new address by itself. */
  w.conn = conn;
  w.uri = new_url;
  g_assert_true (xapi_test_wait_for (uri_is, &w, WAIT_MS));
  assert_events_flow (sim, conn, vm, "after master move");
}

static void
test_master_dies (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(JsonNode) killed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *new_url = NULL;
  XapiVm *vm;
  UriWait w;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", "--per-host-certificates", NULL);
  conn = xapi_connection_new (sim->url, "root");
  xapi_connection_set_password (conn, "any");
  xapi_connection_set_trust_func (conn, trust_sim, g_strdup (sim->fingerprint), g_free);
  g_assert_true (xapi_test_open_sync (conn, &error));
  g_assert_no_error (error);
  vm = any_vm (xapi_connection_get_cache (conn));

  /* The master's address goes dark; a member is promoted a second later.
   * The connection knows the members from the cache and ends up on the
   * new master without being told its address. */
  killed = xapi_sim_control (sim, "/kill-master", "{\"promote_seconds\":1}");
  {
    const char *address = json_object_get_string_member (json_node_get_object (killed), "new_master");

    for (guint i = 0; i < sim->member_urls->len; i++)
      if (strstr (g_ptr_array_index (sim->member_urls, i), address) != NULL)
        new_url = g_strdup (g_ptr_array_index (sim->member_urls, i));
  }
  g_assert_nonnull (new_url);
  w.conn = conn;
  w.uri = new_url;
  g_assert_true (xapi_test_wait_for (uri_is, &w, 60000));
  assert_events_flow (sim, conn, vm, "after the master died");
}

static gboolean
storm_over (gpointer data)
{
  g_autoptr(JsonNode) stats = xapi_sim_control (data, "/stats", NULL);

  return !json_object_get_boolean_member (json_node_get_object (stats), "storming");
}

static gboolean
cache_idle (gpointer data)
{
  return xapi_cache_get_apply_progress (data) >= 1.0;
}

static void
test_storm_consistency (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autofree char *session = NULL;
  g_autofree char *params = NULL;
  g_autoptr(JsonNode) reply = NULL;
  JsonObject *records;
  JsonObjectIter iter;
  const char *ref;
  JsonNode *record;
  XapiCache *cache;
  XapiVm *vm;
  guint checked = 0;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "large", "--hosts", "2", "--vms", "2000", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  cache = xapi_connection_get_cache (conn);
  vm = any_vm (cache);

  /* Thousands of changes in big batches, applied while the next batch is
   * fetched: afterwards the cache must hold exactly the server's values. */
  control (sim, "/storm", "{\"rate\":20000,\"duration\":1.5,\"class\":\"VM\",\"field\":\"name_description\"}");
  g_assert_true (xapi_test_wait_for (storm_over, sim, WAIT_MS));
  assert_events_flow (sim, conn, vm, "after the storm");
  /* the marker may sit early in a batch still being applied in chunks */
  g_assert_true (xapi_test_wait_for (cache_idle, cache, WAIT_MS));

  session = xapi_sim_raw_login (sim);
  params = g_strdup_printf ("[\"%s\"]", session);
  reply = xapi_sim_raw_call (sim, NULL, "VM.get_all_records", params);
  records = json_object_get_object_member (json_node_get_object (reply), "result");
  json_object_iter_init (&iter, records);
  while (json_object_iter_next (&iter, &ref, &record))
    {
      XapiObject *cached = xapi_cache_lookup (cache, ref);

      g_assert_true (XAPI_IS_VM (cached));
      g_assert_cmpstr (xapi_vm_get_name_description (XAPI_VM (cached)), ==,
                       json_object_get_string_member (json_node_get_object (record), "name_description"));
      checked++;
    }
  g_assert_cmpuint (checked, >=, 2000);
}

static void
test_corrupt_replies (void)
{
  static const char *modes[] = { "truncate", "garble", "mistype" };
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"mode\":\"%s\",\"count\":1,\"method\":\"VM.get_all\"}", modes[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) bad = NULL;
      g_autoptr(JsonNode) good = NULL;

      control (sim, "/corrupt", body);
      bad = call_sync (conn, "VM.get_all", NULL, &error);
      if (g_strcmp0 (modes[i], "mistype") == 0)
        {
          /* A well-formed reply of the wrong type reaches the caller, who
           * must check it; the generic call cannot know the type. */
          g_assert_no_error (error);
          g_assert_false (JSON_NODE_HOLDS_ARRAY (bad) &&
                          json_array_get_length (json_node_get_array (bad)) > 0 &&
                          g_str_has_prefix (json_array_get_string_element (json_node_get_array (bad), 0), "OpaqueRef:"));
        }
      else
        {
          g_assert_null (bad);
          g_assert_error (error, XAPI_ERROR, XAPI_ERROR_PROTOCOL);
        }

      /* The next call works; the connection is still usable. */
      g_clear_error (&error);
      good = call_sync (conn, "VM.get_all", NULL, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_ARRAY (good));
      g_assert_cmpuint (json_array_get_length (json_node_get_array (good)), >, 0);
    }
  g_assert_true (xapi_test_wait_for (is_connected, conn, WAIT_MS));
}

static void
test_typed_wrapper_mistype (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  XapiVm *vm;
  char *label;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  vm = any_vm (xapi_connection_get_cache (conn));

  /* A generated wrapper checks the result type and says so. */
  control (sim, "/corrupt", "{\"mode\":\"mistype\",\"count\":1,\"method\":\"VM.get_name_label\"}");
  xapi_vm_get_name_label_async (conn, xapi_object_get_ref (XAPI_OBJECT (vm)), NULL,
                                xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  label = xapi_vm_get_name_label_finish (conn, result, &error);
  g_clear_object (&result);
  g_assert_null (label);
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_PROTOCOL);
  g_clear_error (&error);

  xapi_vm_get_name_label_async (conn, xapi_object_get_ref (XAPI_OBJECT (vm)), NULL,
                                xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  label = xapi_vm_get_name_label_finish (conn, result, &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  g_assert_cmpstr (label, ==, xapi_vm_get_name_label (vm));
  g_free (label);
}

static void
test_delay_timeout (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonNode) again = NULL;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);

  xapi_connection_set_call_timeout (conn, 300);
  control (sim, "/delay", "{\"ms\":5000,\"count\":0}");
  reply = call_sync (conn, "pool.get_all", NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);

  control (sim, "/clear", "{}");
  xapi_connection_set_call_timeout (conn, 60000);
  again = call_sync (conn, "pool.get_all", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (again)), ==, 1);
}

static void
test_fail_next (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  XapiVm *vm;
  const char *const *params;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  vm = any_vm (xapi_connection_get_cache (conn));

  control (sim, "/fail-next",
           "{\"method\":\"VM.set_name_description\",\"error\":[\"SR_FULL\",\"OpaqueRef:sr\",\"10\",\"5\"],\"count\":1}");
  xapi_vm_set_name_description_async (conn, xapi_object_get_ref (XAPI_OBJECT (vm)), "x", NULL,
                                      xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  g_assert_false (xapi_vm_set_name_description_finish (conn, result, &error));
  g_clear_object (&result);
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_SR_FULL);
  params = xapi_error_get_params (error);
  g_assert_nonnull (params);
  g_assert_cmpstr (params[0], ==, "OpaqueRef:sr");
  g_assert_cmpstr (params[2], ==, "5");
  g_assert_cmpstr (xapi_error_get_code_string (error), ==, "SR_FULL");
  g_clear_error (&error);

  /* Only the next one. */
  xapi_vm_set_name_description_async (conn, xapi_object_get_ref (XAPI_OBJECT (vm)), "fine", NULL,
                                      xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  g_assert_true (xapi_vm_set_name_description_finish (conn, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
}

typedef struct {
  XapiSim  *sim;
  gboolean  restarted;
} MidSync;

static void
restart_when_syncing (XapiConnection *conn,
                      GParamSpec     *pspec,
                      MidSync        *m)
{
  if (!m->restarted && xapi_connection_get_state (conn) == XAPI_CONNECTION_STATE_SYNCING)
    {
      m->restarted = TRUE;
      control (m->sim, "/restart-toolstack", "{\"down_seconds\":1}");
    }
}

static guint
raw_vm_count (XapiSim *sim)
{
  g_autofree char *session = xapi_sim_raw_login (sim);
  g_autofree char *params = g_strdup_printf ("[\"%s\"]", session);
  g_autoptr(JsonNode) reply = xapi_sim_raw_call (sim, NULL, "VM.get_all", params);

  return json_array_get_length (json_object_get_array_member (json_node_get_object (reply), "result"));
}

static void
test_restart_mid_sync (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  MidSync m = { 0 };
  gulong id;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "large", "--hosts", "4", "--vms", "3000", NULL);
  m.sim = sim;
  conn = xapi_test_root_connection (sim, sim->fingerprint);
  id = g_signal_connect (conn, "notify::state", G_CALLBACK (restart_when_syncing), &m);

  /* The server goes away while the initial load is in flight; the
   * connection retries by itself and ends complete. */
  g_assert_true (xapi_test_open_sync (conn, &error));
  g_assert_no_error (error);
  g_assert_true (m.restarted);
  g_signal_handler_disconnect (conn, id);
  g_assert_true (xapi_test_wait_for (is_connected, conn, WAIT_MS));
  g_assert_true (xapi_cache_is_populated (xapi_connection_get_cache (conn)));
  g_assert_cmpuint (g_list_model_get_n_items (xapi_cache_get_objects (xapi_connection_get_cache (conn), XAPI_TYPE_VM)),
                    ==, raw_vm_count (sim));
}

static void
test_hung_server (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  gint64 start;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);

  /* A master that stops answering (but keeps its sockets open) is noticed
   * by the heartbeat, not by a TCP timeout minutes later. */
  g_subprocess_send_signal (sim->process, SIGSTOP);
  start = g_get_monotonic_time ();
  g_assert_true (xapi_test_wait_for (state_is_reconnecting, conn, 20000));
  g_test_message ("hung master noticed after %.1f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_nonnull (xapi_connection_get_error (conn));

  g_subprocess_send_signal (sim->process, SIGCONT);
  g_assert_true (xapi_test_wait_for (is_connected, conn, WAIT_MS));
}

/* The password must not reach any log message, even at debug level. */
static const char *secret_password = "S3cret-Pa55-do-not-log";
static gboolean password_logged;

static GLogWriterOutput
scan_writer (GLogLevelFlags   level,
             const GLogField *fields,
             gsize            n_fields,
             gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0 &&
        strstr (fields[i].value, secret_password) != NULL)
      password_logged = TRUE;
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return g_log_writer_default (level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

static void
test_password_not_logged (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", "--password", secret_password, NULL);

  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  password_logged = FALSE;
  conn = xapi_connection_new (sim->url, "root");
  xapi_connection_set_password (conn, secret_password);
  xapi_connection_set_pinned_fingerprint (conn, sim->fingerprint);
  g_assert_true (xapi_test_open_sync (conn, &error));
  g_assert_no_error (error);
  /* A re-login after invalidation sends the password again. */
  control (sim, "/invalidate-sessions", "{}");
  reply = call_sync (conn, "VM.get_all", NULL, &error);
  g_assert_no_error (error);
  g_unsetenv ("G_MESSAGES_DEBUG");
  g_assert_false (password_logged);
}

/* A server without get_all_records (or that refuses it, or the user's
 * role) for every class: the initial sync gets each class from an
 * event.from instead. */
static void
test_sync_without_get_all_records (void)
{
  static const char *const refusals[] = {
    "MESSAGE_METHOD_UNKNOWN", "MESSAGE_REMOVED", "RBAC_PERMISSION_DENIED",
  };

  if (xapi_test_skip_without_sim ())
    return;
  for (guint r = 0; r < G_N_ELEMENTS (refusals); r++)
    {
      g_autoptr(XapiSim) sim = xapi_sim_start ("--scenario", "demo", NULL);
      g_autoptr(XapiTestConnection) conn = NULL;
      const XapiClassInfo *const *classes;
      guint n_classes;

      classes = xapi_class_info_all (&n_classes);
      for (guint i = 0; i < n_classes; i++)
        {
          g_autofree char *method = g_strconcat (classes[i]->wire_name, ".get_all_records", NULL);
          g_autofree char *body = g_strdup_printf ("{\"method\":\"%s\",\"error\":[\"%s\",\"%s\"],\"count\":0}",
                                                   method, refusals[r], method);
          control (sim, "/fail-next", body);
        }
      conn = xapi_test_connect_pinned (sim, NULL, NULL);
      xapi_test_assert_cache_is_server (sim, xapi_connection_get_cache (conn));
    }
}

/* One fetch of the initial sync fails: the sync starts again, whole. */
static void
test_sync_fetch_fails (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  StateLog log = { g_array_new (FALSE, FALSE, sizeof (XapiConnectionState)) };

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);
  control (sim, "/fail-next", "{\"method\":\"VM.get_all_records\",\"error\":[\"INTERNAL_ERROR\",\"boom\"],\"count\":1}");
  conn = xapi_test_root_connection (sim, sim->fingerprint);
  g_signal_connect (conn, "notify::state", G_CALLBACK (record_state), &log);
  g_assert_true (xapi_test_open_sync (conn, &error));
  g_assert_no_error (error);
  g_assert_true (saw_state (&log, XAPI_CONNECTION_STATE_RECONNECTING));
  g_signal_handlers_disconnect_by_data (conn, &log);
  g_array_unref (log.states);
  xapi_test_assert_cache_is_server (sim, xapi_connection_get_cache (conn));
}

typedef struct {
  XapiSim *sim;
  guint64  calls_at_token;   /* the simulator's calls when the token came */
} SyncWatch;

/* The first move of the progress: the token is in, the fetches are sent. */
static void
note_token (XapiConnection *conn,
            GParamSpec     *pspec,
            SyncWatch      *w)
{
  if (w->calls_at_token == 0 && xapi_connection_get_sync_progress (conn) > 0.1)
    w->calls_at_token = (guint64) xapi_sim_stat (w->sim, "calls");
}

static gboolean
token_noted (gpointer data)
{
  return ((SyncWatch *) data)->calls_at_token > 0;
}

static gboolean
fetches_arrived (gpointer data)
{
  SyncWatch *w = data;

  /* three get_all_records and an event.from for the other classes */
  return (guint64) xapi_sim_stat (w->sim, "calls") >= w->calls_at_token + 4;
}

typedef struct {
  XapiCache  *cache;
  const char *ref;
  const char *name;
} NameWait;

static gboolean
vm_has_name (gpointer data)
{
  NameWait *w = data;
  XapiObject *vm = xapi_cache_lookup (w->cache, w->ref);

  return vm != NULL && g_strcmp0 (xapi_vm_get_name_label (XAPI_VM (vm)), w->name) == 0;
}

/* A VM renamed after the sync fetched the VMs (their reply held back on the
 * way) but before the sync ended: the rename is not lost, since the event
 * loop starts from the token taken before any fetch. */
static void
test_change_during_sync (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(JsonNode) vms = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *mutate = NULL;
  g_autofree char *old_name = NULL;
  GAsyncResult *result = NULL;
  SyncWatch w = { 0 };
  NameWait name = { 0 };
  XapiObject *vm;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);
  w.sim = sim;
  vms = xapi_sim_raw_result (sim, "VM.get_all", NULL);
  ref = g_strdup (json_array_get_string_element (json_node_get_array (vms), 0));
  {
    g_autoptr(JsonObject) record = xapi_sim_raw_record (sim, "VM", ref);

    old_name = g_strdup (json_object_get_string_member (record, "name_label"));
  }

  conn = xapi_test_root_connection (sim, sim->fingerprint);
  g_signal_connect (conn, "notify::sync-progress", G_CALLBACK (note_token), &w);
  /* every reply from now on waits a second after it is made */
  control (sim, "/delay", "{\"ms\":1000,\"count\":0}");
  xapi_connection_open_async (conn, NULL, xapi_test_store_result, &result);
  g_assert_true (xapi_test_wait_for (token_noted, &w, WAIT_MS));
  g_assert_true (xapi_test_wait_for (fetches_arrived, &w, WAIT_MS));
  mutate = g_strdup_printf ("{\"class\":\"VM\",\"ref\":\"%s\",\"field\":\"name_label\",\"value\":\"renamed mid-sync\"}",
                            ref);
  control (sim, "/mutate", mutate);
  control (sim, "/clear", "{}");

  xapi_test_wait_result (&result, WAIT_MS);
  g_assert_true (xapi_connection_open_finish (conn, result, NULL));
  g_clear_object (&result);
  g_signal_handlers_disconnect_by_data (conn, &w);
  /* the fetch was made before the rename (or this tests nothing) */
  vm = xapi_cache_lookup (xapi_connection_get_cache (conn), ref);
  g_assert_nonnull (vm);
  g_assert_cmpstr (xapi_vm_get_name_label (XAPI_VM (vm)), ==, old_name);
  name.cache = xapi_connection_get_cache (conn);
  name.ref = ref;
  name.name = "renamed mid-sync";
  g_assert_true (xapi_test_wait_for (vm_has_name, &name, WAIT_MS));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (scan_writer, NULL, NULL);

  g_test_add_func ("/faults/invalidate-sessions", test_invalidate_sessions);
  g_test_add_func ("/faults/drop-connections", test_drop_connections);
  g_test_add_func ("/faults/restart-toolstack", test_restart_toolstack);
  g_test_add_func ("/faults/move-master", test_move_master);
  g_test_add_func ("/faults/master-dies", test_master_dies);
  g_test_add_func ("/faults/storm-consistency", test_storm_consistency);
  g_test_add_func ("/faults/restart-mid-sync", test_restart_mid_sync);
  g_test_add_func ("/faults/sync-without-get-all-records", test_sync_without_get_all_records);
  g_test_add_func ("/faults/sync-fetch-fails", test_sync_fetch_fails);
  g_test_add_func ("/faults/change-during-sync", test_change_during_sync);
  g_test_add_func ("/faults/hung-server", test_hung_server);
  g_test_add_func ("/faults/corrupt-replies", test_corrupt_replies);
  g_test_add_func ("/faults/typed-wrapper-mistype", test_typed_wrapper_mistype);
  g_test_add_func ("/faults/delay-timeout", test_delay_timeout);
  g_test_add_func ("/faults/fail-next", test_fail_next);
  g_test_add_func ("/faults/password-not-logged", test_password_not_logged);

  return g_test_run ();
}

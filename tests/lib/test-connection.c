/* test-connection.c: XapiConnection + XapiCache against the simulator
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "xapi-connection.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-error.h"
#include "xapi-rpc.h"
#include "xapi-task-ops.h"
#include "sim-fixture.h"

#define WAIT_MS 30000

/* A pin no simulator has. */
#define OTHER_PIN "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"

static guint
raw_count (XapiSim    *sim,
           const char *method)
{
  g_autofree char *session = xapi_sim_raw_login (sim);
  g_autofree char *params = g_strdup_printf ("[\"%s\"]", session);
  g_autoptr(JsonNode) reply = xapi_sim_raw_call (sim, NULL, method, params);
  JsonNode *result = json_object_get_member (json_node_get_object (reply), "result");

  g_assert_nonnull (result);
  if (JSON_NODE_HOLDS_OBJECT (result))
    return json_object_get_size (json_node_get_object (result));
  return json_array_get_length (json_node_get_array (result));
}

static void
record_state (XapiConnection *conn,
              GParamSpec     *pspec,
              GArray         *states)
{
  XapiConnectionState s = xapi_connection_get_state (conn);

  g_array_append_val (states, s);
}

static void
test_open_and_sync (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GArray) states = g_array_new (FALSE, FALSE, sizeof (XapiConnectionState));
  g_autoptr(GError) error = NULL;
  XapiCache *cache;
  int seen_connecting = -1, seen_syncing = -1, seen_connected = -1;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);

  conn = xapi_test_root_connection (sim, sim->fingerprint);
  g_signal_connect (conn, "notify::state", G_CALLBACK (record_state), states);
  g_assert_true (xapi_test_open_sync (conn, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < states->len; i++)
    {
      XapiConnectionState s = g_array_index (states, XapiConnectionState, i);
      if (s == XAPI_CONNECTION_STATE_CONNECTING && seen_connecting < 0)
        seen_connecting = (int) i;
      if (s == XAPI_CONNECTION_STATE_SYNCING && seen_syncing < 0)
        seen_syncing = (int) i;
      if (s == XAPI_CONNECTION_STATE_CONNECTED && seen_connected < 0)
        seen_connected = (int) i;
    }
  g_assert_cmpint (seen_connecting, >=, 0);
  g_assert_cmpint (seen_syncing, >, seen_connecting);
  g_assert_cmpint (seen_connected, >, seen_syncing);
  g_assert_cmpfloat (xapi_connection_get_sync_progress (conn), ==, 1.0);

  /* The cache holds exactly what the server has. */
  cache = xapi_connection_get_cache (conn);
  g_assert_true (xapi_cache_is_populated (cache));
  g_assert_cmpuint (g_list_model_get_n_items (xapi_cache_get_objects (cache, XAPI_TYPE_VM)), ==,
                    raw_count (sim, "VM.get_all"));
  g_assert_cmpuint (g_list_model_get_n_items (xapi_cache_get_objects (cache, XAPI_TYPE_HOST)), ==,
                    raw_count (sim, "host.get_all"));
  g_assert_cmpuint (g_list_model_get_n_items (xapi_cache_get_objects (cache, XAPI_TYPE_SR)), ==,
                    raw_count (sim, "SR.get_all"));
  g_assert_cmpuint (g_list_model_get_n_items (xapi_cache_get_objects (cache, XAPI_TYPE_VBD)), ==,
                    raw_count (sim, "VBD.get_all"));
  g_assert_nonnull (xapi_cache_get_pool (cache));
  g_assert_true (XAPI_IS_HOST (xapi_cache_get_master (cache)));
  g_assert_nonnull (xapi_connection_get_session_ref (conn));

  /* Pool members are remembered for fail-over. */
  g_assert_cmpuint (g_strv_length ((char **) xapi_connection_get_pool_members (conn)), >=,
                    sim->member_urls->len);
  {
    guint major = 0, minor = 0;
    xapi_connection_get_api_version (conn, &major, &minor);
    g_assert_cmpuint (major, >=, 2);
  }
  g_signal_handlers_disconnect_by_data (conn, states);
}

/* The initial sync fetches the largest classes by get_all_records and the
 * others by one event.from, all from a token taken first: what it caches is
 * what one event.from "*" sees, on a pool large enough that every fetch
 * hands its records over in several chunks. */
static void
test_sync_is_the_server (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "large", "--hosts", "4", "--vms", "2200", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  xapi_test_assert_cache_is_server (sim, xapi_connection_get_cache (conn));
}

static void
test_untrusted_certificate (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GError) error = NULL;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);

  /* No pin, no trust function: refused, and the fingerprint is there for a dialog. */
  conn = xapi_test_root_connection (sim, NULL);
  g_assert_false (xapi_test_open_sync (conn, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_cmpint (xapi_connection_get_state (conn), ==, XAPI_CONNECTION_STATE_FAILED);
  g_assert_cmpstr (xapi_connection_get_peer_fingerprint (conn), ==, sim->fingerprint);
  g_clear_error (&error);
  g_clear_pointer (&conn, xapi_test_connection_close);

  /* A different pinned certificate is refused too. */
  conn = xapi_test_root_connection (sim, OTHER_PIN);
  g_assert_false (xapi_test_open_sync (conn, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
}

static gboolean
trust_and_record (XapiConnection       *connection,
                  const char           *host,
                  GTlsCertificate      *certificate,
                  const char           *fingerprint,
                  GTlsCertificateFlags  errors,
                  gpointer              user_data)
{
  GPtrArray *seen = user_data;

  g_ptr_array_add (seen, g_strdup (fingerprint));
  return TRUE;
}

/* With xapi_tls_trust_no_authority(), as xenpools runs: the default CA
 * database vouches for nothing, and pinning works as before, a connection
 * to the pinned certificate made, one to another pin refused. */
static void
test_trust_no_authority (void)
{
  GTlsBackend *backend = g_tls_backend_get_default ();
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;
  GTlsCertificateFlags flags;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);
  xapi_tls_trust_no_authority ();
  database = g_tls_backend_get_default_database (backend);

  conn = xapi_test_root_connection (sim, OTHER_PIN);
  g_assert_false (xapi_test_open_sync (conn, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);
  flags = g_tls_database_verify_chain (database, xapi_connection_get_peer_certificate (conn),
                                       G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                       NULL, NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (flags, ==, G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_clear_pointer (&conn, xapi_test_connection_close);

  conn = xapi_test_root_connection (sim, sim->fingerprint);
  g_assert_true (xapi_test_open_sync (conn, &error));
  g_assert_no_error (error);
  xapi_test_assert_cache_is_server (sim, xapi_connection_get_cache (conn));

  g_tls_backend_set_default_database (backend, NULL);
}

static void
test_trust_func_and_member_redirect (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GError) error = NULL;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);
  g_assert_cmpuint (sim->member_urls->len, >, 0);

  /* Connecting to a pool member lands on the master. */
  conn = xapi_connection_new (g_ptr_array_index (sim->member_urls, 0), "root");
  xapi_connection_set_password (conn, "any");
  xapi_connection_set_trust_func (conn, trust_and_record, seen, NULL);
  g_assert_true (xapi_test_open_sync (conn, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seen->len, >, 0);
  g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, sim->fingerprint);
  g_assert_cmpstr (xapi_connection_get_uri (conn), ==, sim->url);
  g_assert_cmpstr (xapi_connection_get_initial_uri (conn), ==, g_ptr_array_index (sim->member_urls, 0));
}

static void
test_wrong_password (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GError) error = NULL;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", "--password", "s3cret", NULL);

  conn = xapi_connection_new (sim->url, "root");
  xapi_connection_set_password (conn, "n0t-the-Passw0rd");
  xapi_connection_set_pinned_fingerprint (conn, sim->fingerprint);
  g_assert_false (xapi_test_open_sync (conn, &error));
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_SESSION_AUTHENTICATION_FAILED);
  g_assert_cmpint (xapi_connection_get_state (conn), ==, XAPI_CONNECTION_STATE_FAILED);
  g_assert_true (g_error_matches (xapi_connection_get_error (conn), XAPI_ERROR,
                                  XAPI_ERROR_SESSION_AUTHENTICATION_FAILED));
  /* The password never appears in the error text. */
  g_assert_null (strstr (error->message, "n0t-the-Passw0rd"));
  g_clear_error (&error);
  g_clear_pointer (&conn, xapi_test_connection_close);

  conn = xapi_test_connect_pinned (sim, NULL, "s3cret");
}

static XapiVm *
find_vm (XapiCache        *cache,
         XapiVmPowerState  state)
{
  GListModel *vms = xapi_cache_get_objects (cache, XAPI_TYPE_VM);

  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);

      if (!xapi_vm_get_is_a_template (vm) && !xapi_vm_get_is_control_domain (vm) &&
          !xapi_vm_get_is_a_snapshot (vm) && xapi_vm_get_power_state (vm) == state)
        return vm;   /* the cache keeps it alive */
    }
  return NULL;
}

typedef struct {
  XapiVm     *vm;
  const char *label;
  guint       notifies;
} LabelWait;

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              LabelWait  *w)
{
  w->notifies++;
}

static gboolean
label_is (gpointer data)
{
  LabelWait *w = data;

  return g_strcmp0 (xapi_vm_get_name_label (w->vm), w->label) == 0;
}

static void
test_live_update (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autofree char *body = NULL;
  XapiCache *cache;
  LabelWait w = { 0 };
  LabelWait other = { 0 };
  gulong id, other_id;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  cache = xapi_connection_get_cache (conn);

  w.vm = find_vm (cache, XAPI_VM_POWER_STATE_HALTED);
  g_assert_nonnull (w.vm);
  w.label = "renamed by another client";
  id = g_signal_connect (w.vm, "notify::name-label", G_CALLBACK (count_notify), &w);
  other_id = g_signal_connect (w.vm, "notify::name-description", G_CALLBACK (count_notify), &other);

  body = g_strdup_printf ("{\"class\":\"VM\",\"ref\":\"%s\",\"field\":\"name_label\",\"value\":\"%s\"}",
                          xapi_object_get_ref (XAPI_OBJECT (w.vm)), w.label);
  json_node_unref (xapi_sim_control (sim, "/mutate", body));

  g_assert_true (xapi_test_wait_for (label_is, &w, WAIT_MS));
  /* One change, one notify; untouched fields stay quiet; same object. */
  g_assert_cmpuint (w.notifies, ==, 1);
  g_assert_cmpuint (other.notifies, ==, 0);
  g_assert_true (xapi_cache_lookup (cache, xapi_object_get_ref (XAPI_OBJECT (w.vm))) == XAPI_OBJECT (w.vm));
  g_signal_handler_disconnect (w.vm, id);
  g_signal_handler_disconnect (w.vm, other_id);
}

typedef struct {
  XapiVm           *vm;
  XapiVmPowerState  state;
} PowerWait;

typedef struct {
  XapiCache  *cache;
  const char *ref;
} RefWait;

static gboolean
ref_in_cache (gpointer data)
{
  RefWait *w = data;

  return XAPI_IS_VM (xapi_cache_lookup (w->cache, w->ref));
}

static gboolean
power_is (gpointer data)
{
  PowerWait *w = data;

  return xapi_vm_get_power_state (w->vm) == w->state;
}

static void
test_vm_lifecycle (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(XapiTask) task = NULL;
  g_autoptr(JsonNode) task_result = NULL;
  GAsyncResult *result = NULL;
  XapiCache *cache;
  PowerWait w;
  const char *ref;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", "--time-scale", "0.05", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  cache = xapi_connection_get_cache (conn);

  w.vm = find_vm (cache, XAPI_VM_POWER_STATE_HALTED);
  g_assert_nonnull (w.vm);
  ref = xapi_object_get_ref (XAPI_OBJECT (w.vm));

  /* Sync call through a generated wrapper. */
  xapi_vm_start_async (conn, ref, FALSE, FALSE, NULL, xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  g_assert_true (xapi_vm_start_finish (conn, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  w.state = XAPI_VM_POWER_STATE_RUNNING;
  g_assert_true (xapi_test_wait_for (power_is, &w, WAIT_MS));
  g_assert_nonnull (xapi_cache_follow (cache, XAPI_OBJECT (w.vm), "resident_on"));

  /* Starting it again fails with the code and parameters xapi uses. */
  xapi_vm_start_async (conn, ref, FALSE, FALSE, NULL, xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  g_assert_false (xapi_vm_start_finish (conn, result, &error));
  g_clear_object (&result);
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_VM_BAD_POWER_STATE);
  g_assert_cmpstr (xapi_error_get_params (error)[0], ==, ref);
  g_clear_error (&error);

  /* Async.VM.clean_shutdown as a tracked task. */
  xapi_vm_clean_shutdown_as_task_async (conn, ref, NULL, xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  task = xapi_vm_clean_shutdown_as_task_finish (conn, result, &error);
  g_assert_no_error (error);
  g_assert_true (XAPI_IS_TASK (task));
  g_clear_object (&result);
  g_assert_true (xapi_cache_lookup (cache, xapi_object_get_ref (XAPI_OBJECT (task))) == XAPI_OBJECT (task));

  xapi_task_wait_async (task, TRUE, NULL, xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  task_result = xapi_task_wait_finish (task, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (task_result);
  g_clear_object (&result);
  g_assert_cmpint (xapi_task_get_status (task), ==, XAPI_TASK_STATUS_TYPE_SUCCESS);
  w.state = XAPI_VM_POWER_STATE_HALTED;
  g_assert_true (xapi_test_wait_for (power_is, &w, WAIT_MS));

  /* A clone's task result is the new VM's ref, and the VM appears in the cache. */
  {
    g_autoptr(XapiTask) clone_task = NULL;
    g_autoptr(JsonNode) clone_result = NULL;
    g_autofree char *new_ref = NULL;

    xapi_vm_clone_as_task_async (conn, ref, "clone by test", NULL, xapi_test_store_result, &result);
    xapi_test_wait_result (&result, WAIT_MS);
    clone_task = xapi_vm_clone_as_task_finish (conn, result, &error);
    g_assert_no_error (error);
    g_clear_object (&result);
    xapi_task_wait_async (clone_task, TRUE, NULL, xapi_test_store_result, &result);
    xapi_test_wait_result (&result, WAIT_MS);
    clone_result = xapi_task_wait_finish (clone_task, result, &error);
    g_assert_no_error (error);
    g_clear_object (&result);
    new_ref = xapi_task_result_dup_ref (clone_result);
    g_assert_nonnull (new_ref);
    g_assert_true (g_str_has_prefix (new_ref, "OpaqueRef:"));
    {
      RefWait rw = { cache, new_ref };
      g_assert_true (xapi_test_wait_for (ref_in_cache, &rw, WAIT_MS));
      g_assert_cmpstr (xapi_vm_get_name_label (XAPI_VM (xapi_cache_lookup (cache, new_ref))), ==, "clone by test");
    }
  }
}

static void
test_close_logs_out (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *session = NULL;
  g_autofree char *params = NULL;
  GAsyncResult *result = NULL;
  JsonNode *err;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  session = g_strdup (xapi_connection_get_session_ref (conn));

  xapi_connection_close_async (conn, NULL, xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  g_assert_true (xapi_connection_close_finish (conn, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpint (xapi_connection_get_state (conn), ==, XAPI_CONNECTION_STATE_DISCONNECTED);

  params = g_strdup_printf ("[\"%s\"]", session);
  reply = xapi_sim_raw_call (sim, NULL, "VM.get_all", params);
  err = json_object_get_member (json_node_get_object (reply), "error");
  g_assert_nonnull (err);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (err), "message"), ==, "SESSION_INVALID");
}


/* A certificate the system trusts must still match the pin: here the
 * simulator's own certificate is made a trust anchor of the default TLS
 * database, and a connection pinned to another one is refused all the same. */
static void
test_pin_over_system_trust (void)
{
  GTlsBackend *backend = g_tls_backend_get_default ();
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GTlsDatabase) previous = NULL;
  g_autoptr(GTlsDatabase) anchors = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *path = NULL;
  int fd;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", NULL);

  /* the simulator's certificate, as a failed first connection shows it */
  conn = xapi_test_root_connection (sim, NULL);
  g_assert_false (xapi_test_open_sync (conn, &error));
  g_clear_error (&error);
  g_object_get (xapi_connection_get_peer_certificate (conn), "certificate-pem", &pem, NULL);
  g_clear_pointer (&conn, xapi_test_connection_close);
  fd = g_file_open_tmp ("xapi-anchor-XXXXXX.pem", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, pem, -1, NULL));
  anchors = g_tls_file_database_new (path, &error);
  g_assert_no_error (error);
  previous = g_tls_backend_get_default_database (backend);
  g_tls_backend_set_default_database (backend, anchors);

  /* the system's verdict alone would accept it */
  {
    g_autoptr(GTlsCertificate) cert = g_tls_certificate_new_from_pem (pem, -1, &error);
    g_autoptr(GSocketConnectable) identity = NULL;
    GTlsCertificateFlags flags;

    g_assert_no_error (error);
    flags = g_tls_database_verify_chain (anchors, cert, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                         NULL, NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (flags, ==, 0);
  }

  conn = xapi_test_root_connection (sim, OTHER_PIN);
  g_assert_false (xapi_test_open_sync (conn, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);
  g_clear_pointer (&conn, xapi_test_connection_close);

  /* and its own pin is accepted */
  conn = xapi_test_root_connection (sim, sim->fingerprint);
  g_assert_true (xapi_test_open_sync (conn, &error));
  g_assert_no_error (error);

  g_tls_backend_set_default_database (backend, previous);
  g_unlink (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/connection/open-and-sync", test_open_and_sync);
  g_test_add_func ("/connection/sync-is-the-server", test_sync_is_the_server);
  g_test_add_func ("/connection/untrusted-certificate", test_untrusted_certificate);
  g_test_add_func ("/connection/pin-over-system-trust", test_pin_over_system_trust);
  g_test_add_func ("/connection/trust-no-authority", test_trust_no_authority);
  g_test_add_func ("/connection/trust-func-and-member-redirect", test_trust_func_and_member_redirect);
  g_test_add_func ("/connection/wrong-password", test_wrong_password);
  g_test_add_func ("/connection/live-update", test_live_update);
  g_test_add_func ("/connection/vm-lifecycle", test_vm_lifecycle);
  g_test_add_func ("/connection/close-logs-out", test_close_logs_out);

  return g_test_run ();
}

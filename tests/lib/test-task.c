/* test-task.c: XapiTask (the *_as_task_async wrappers and xapi_task_wait)
 * against the simulator
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "xapi-connection.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-error.h"
#include "xapi-task-ops.h"
#include "sim-fixture.h"

#define WAIT_MS 30000

/* The @nth (from 0) real VM in @state. */
static XapiVm *
find_nth_vm (XapiCache        *cache,
             XapiVmPowerState  state,
             guint             nth)
{
  GListModel *vms = xapi_cache_get_objects (cache, XAPI_TYPE_VM);

  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);

      if (!xapi_vm_get_is_a_template (vm) && !xapi_vm_get_is_control_domain (vm) &&
          !xapi_vm_get_is_a_snapshot (vm) && xapi_vm_get_power_state (vm) == state &&
          nth-- == 0)
        return vm;   /* the cache keeps it alive */
    }
  return NULL;
}

static XapiVm *
find_vm (XapiCache        *cache,
         XapiVmPowerState  state)
{
  return find_nth_vm (cache, state, 0);
}

typedef struct {
  XapiCache  *cache;
  const char *ref;
} RefWait;

static gboolean
ref_gone (gpointer data)
{
  RefWait *w = data;

  return xapi_cache_lookup (w->cache, w->ref) == NULL;
}

static gboolean
ref_in_model (gpointer data)
{
  RefWait *w = data;
  GListModel *tasks = xapi_cache_get_objects (w->cache, XAPI_TYPE_TASK);

  for (guint i = 0; i < g_list_model_get_n_items (tasks); i++)
    {
      g_autoptr(XapiObject) task = g_list_model_get_item (tasks, i);

      if (g_strcmp0 (xapi_object_get_ref (task), w->ref) == 0)
        return TRUE;
    }
  return FALSE;
}

static XapiTask *
finish_task (XapiConnection *conn,
             XapiTask       *(*finish) (XapiConnection *, GAsyncResult *, GError **),
             GAsyncResult  **result)
{
  g_autoptr(GError) error = NULL;
  XapiTask *task;

  xapi_test_wait_result (result, WAIT_MS);
  task = finish (conn, *result, &error);
  g_assert_no_error (error);
  g_assert_true (XAPI_IS_TASK (task));
  g_clear_object (result);
  return task;
}

/* The server's view of a task: the "error" member of task.get_record, or NULL. */
static char *
raw_task_error_code (XapiSim    *sim,
                     const char *task_ref)
{
  g_autofree char *session = xapi_sim_raw_login (sim);
  g_autofree char *params = g_strdup_printf ("[\"%s\",\"%s\"]", session, task_ref);
  g_autoptr(JsonNode) reply = xapi_sim_raw_call (sim, NULL, "task.get_record", params);
  JsonNode *err = json_object_get_member (json_node_get_object (reply), "error");

  if (err == NULL || JSON_NODE_HOLDS_NULL (err))
    return NULL;
  if (JSON_NODE_HOLDS_OBJECT (err))
    return g_strdup (json_object_get_string_member (json_node_get_object (err), "message"));
  return g_strdup (json_array_get_string_element (json_node_get_array (err), 0));
}

static void
record_progress (XapiTask   *task,
                 GParamSpec *pspec,
                 GArray     *values)
{
  double p = xapi_task_get_progress (task);

  g_array_append_val (values, p);
}

static void
test_progress_and_result (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(XapiTask) task = NULL;
  g_autoptr(JsonNode) task_result = NULL;
  g_autoptr(GArray) progress = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *task_ref = NULL;
  g_autofree char *new_ref = NULL;
  g_autofree char *code = NULL;
  GAsyncResult *result = NULL;
  XapiCache *cache;
  XapiVm *vm;
  gulong handler;
  gboolean saw_middle = FALSE;

  if (xapi_test_skip_without_sim ())
    return;
  /* VM.clone takes 2 s of simulated time: long enough for progress events. */
  sim = xapi_sim_start ("--scenario", "demo", "--time-scale", "1.0", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  cache = xapi_connection_get_cache (conn);
  vm = find_vm (cache, XAPI_VM_POWER_STATE_HALTED);
  g_assert_nonnull (vm);

  xapi_vm_clone_as_task_async (conn, xapi_object_get_ref (XAPI_OBJECT (vm)), "task test clone",
                               NULL, xapi_test_store_result, &result);
  task = finish_task (conn, xapi_vm_clone_as_task_finish, &result);
  task_ref = g_strdup (xapi_object_get_ref (XAPI_OBJECT (task)));
  g_assert_true (g_str_has_prefix (task_ref, "OpaqueRef:"));
  /* The task object is the cache's (identity map). */
  g_assert_true (xapi_cache_lookup (cache, task_ref) == XAPI_OBJECT (task));
  g_assert_true (xapi_task_is_pending (task));

  handler = g_signal_connect (task, "notify::progress", G_CALLBACK (record_progress), progress);
  xapi_task_wait_async (task, TRUE, NULL, xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  task_result = xapi_task_wait_finish (task, result, &error);
  g_clear_object (&result);
  g_signal_handler_disconnect (task, handler);
  g_assert_no_error (error);
  g_assert_nonnull (task_result);

  /* Progress moved forward, with at least one value strictly in between. */
  g_assert_cmpuint (progress->len, >=, 1);
  for (guint i = 0; i < progress->len; i++)
    {
      double p = g_array_index (progress, double, i);

      g_assert_cmpfloat (p, >=, 0.0);
      g_assert_cmpfloat (p, <=, 1.0);
      if (i > 0)
        g_assert_cmpfloat (p, >=, g_array_index (progress, double, i - 1));
      if (p > 0.0 && p < 1.0)
        saw_middle = TRUE;
    }
  g_assert_true (saw_middle);
  g_assert_cmpint (xapi_task_get_status (task), ==, XAPI_TASK_STATUS_TYPE_SUCCESS);
  g_assert_false (xapi_task_is_pending (task));
  g_assert_null (xapi_task_dup_error (task));

  /* The result is the new VM's ref, which is a VM in the cache. */
  new_ref = xapi_task_result_dup_ref (task_result);
  g_assert_nonnull (new_ref);
  g_assert_true (g_str_has_prefix (new_ref, "OpaqueRef:"));
  g_assert_cmpstr (new_ref, !=, xapi_object_get_ref (XAPI_OBJECT (vm)));

  /* destroy_when_done: the task leaves the cache and the server. */
  {
    RefWait w = { cache, task_ref };

    g_assert_true (xapi_test_wait_for (ref_gone, &w, WAIT_MS));
  }
  code = raw_task_error_code (sim, task_ref);
  g_assert_cmpstr (code, ==, "HANDLE_INVALID");
}

static void
test_decode_result (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *ref = NULL;

  node = xapi_task_decode_result ("<value>OpaqueRef:1234</value>", &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_cmpstr (json_node_get_string (node), ==, "OpaqueRef:1234");
  ref = xapi_task_result_dup_ref (node);
  g_assert_cmpstr (ref, ==, "OpaqueRef:1234");
  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&ref, g_free);

  node = xapi_task_decode_result ("<value><array><data><value>OpaqueRef:a</value>"
                                  "<value>OpaqueRef:b</value></data></array></value>", &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 2);
  ref = xapi_task_result_dup_ref (node);
  g_assert_cmpstr (ref, ==, "OpaqueRef:a");
  g_clear_pointer (&node, json_node_unref);

  node = xapi_task_decode_result ("", &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_cmpstr (json_node_get_string (node), ==, "");
}

static void
test_cancel (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(XapiTask) task = NULL;
  g_autoptr(JsonNode) task_result = NULL;
  g_autofree char *task_ref = NULL;
  GAsyncResult *result = NULL;
  GAsyncResult *cancel_result = NULL;
  XapiCache *cache;
  XapiVm *vm;

  if (xapi_test_skip_without_sim ())
    return;
  /* VM.start takes 4 s here: cancel it right away. */
  sim = xapi_sim_start ("--scenario", "demo", "--time-scale", "1.0", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  cache = xapi_connection_get_cache (conn);
  vm = find_vm (cache, XAPI_VM_POWER_STATE_HALTED);
  g_assert_nonnull (vm);

  xapi_vm_start_as_task_async (conn, xapi_object_get_ref (XAPI_OBJECT (vm)), FALSE, FALSE,
                               NULL, xapi_test_store_result, &result);
  task = finish_task (conn, xapi_vm_start_as_task_finish, &result);
  task_ref = g_strdup (xapi_object_get_ref (XAPI_OBJECT (task)));

  xapi_task_wait_async (task, TRUE, NULL, xapi_test_store_result, &result);
  xapi_task_cancel_async (conn, task_ref, NULL, xapi_test_store_result, &cancel_result);
  xapi_test_wait_result (&cancel_result, WAIT_MS);
  g_assert_true (xapi_task_cancel_finish (conn, cancel_result, &error));
  g_assert_no_error (error);
  g_clear_object (&cancel_result);

  xapi_test_wait_result (&result, WAIT_MS);
  task_result = xapi_task_wait_finish (task, result, &error);
  g_clear_object (&result);
  g_assert_null (task_result);
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_TASK_CANCELLED);
  g_assert_cmpstr (xapi_error_get_code_string (error), ==, "TASK_CANCELLED");
  g_assert_nonnull (xapi_error_get_params (error));
  g_assert_cmpstr (xapi_error_get_params (error)[0], ==, task_ref);
  g_assert_cmpint (xapi_task_get_status (task), ==, XAPI_TASK_STATUS_TYPE_CANCELLED);
  /* The VM did not start. */
  g_assert_cmpint (xapi_vm_get_power_state (vm), ==, XAPI_VM_POWER_STATE_HALTED);

  {
    RefWait w = { cache, task_ref };

    g_assert_true (xapi_test_wait_for (ref_gone, &w, WAIT_MS));
  }
}

static void
test_error_info (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) dup = NULL;
  g_autoptr(XapiTask) task = NULL;
  g_autoptr(JsonNode) task_result = NULL;
  g_autoptr(JsonNode) control = NULL;
  g_autofree char *task_ref = NULL;
  const char * const *params;
  GAsyncResult *result = NULL;
  XapiCache *cache;
  XapiVm *vm;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", "--time-scale", "0.05", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  cache = xapi_connection_get_cache (conn);
  vm = find_vm (cache, XAPI_VM_POWER_STATE_HALTED);
  g_assert_nonnull (vm);

  /* A known code with parameters, and an unknown one. */
  control = xapi_sim_control (sim, "/fail-next",
                              "{\"method\":\"VM.clone\",\"error\":[\"SR_FULL\",\"8589934592\",\"4096\"],\"count\":1}");
  g_assert_nonnull (control);

  xapi_vm_clone_as_task_async (conn, xapi_object_get_ref (XAPI_OBJECT (vm)), "never",
                               NULL, xapi_test_store_result, &result);
  task = finish_task (conn, xapi_vm_clone_as_task_finish, &result);
  task_ref = g_strdup (xapi_object_get_ref (XAPI_OBJECT (task)));

  /* Keep the task this time, to look at its error_info. */
  xapi_task_wait_async (task, FALSE, NULL, xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  task_result = xapi_task_wait_finish (task, result, &error);
  g_clear_object (&result);
  g_assert_null (task_result);
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_SR_FULL);
  g_assert_cmpstr (xapi_error_get_code_string (error), ==, "SR_FULL");
  params = xapi_error_get_params (error);
  g_assert_nonnull (params);
  g_assert_cmpstr (params[0], ==, "8589934592");
  g_assert_cmpstr (params[1], ==, "4096");
  g_assert_null (params[2]);

  g_assert_cmpint (xapi_task_get_status (task), ==, XAPI_TASK_STATUS_TYPE_FAILURE);
  g_assert_cmpstrv (xapi_task_get_error_info (task),
                    ((const char * const[]) { "SR_FULL", "8589934592", "4096", NULL }));
  dup = xapi_task_dup_error (task);
  g_assert_error (dup, XAPI_ERROR, XAPI_ERROR_SR_FULL);
  g_clear_error (&error);
  g_clear_pointer (&control, json_node_unref);
  g_clear_object (&task);

  /* Not destroyed: still on the server and in the cache. */
  g_assert_nonnull (xapi_cache_lookup (cache, task_ref));
  g_clear_pointer (&task_ref, g_free);

  control = xapi_sim_control (sim, "/fail-next",
                              "{\"method\":\"VM.clone\",\"error\":[\"SOME_FUTURE_ERROR\",\"p\"],\"count\":1}");
  xapi_vm_clone_as_task_async (conn, xapi_object_get_ref (XAPI_OBJECT (vm)), "never",
                               NULL, xapi_test_store_result, &result);
  task = finish_task (conn, xapi_vm_clone_as_task_finish, &result);
  xapi_task_wait_async (task, TRUE, NULL, xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  g_clear_pointer (&task_result, json_node_unref);
  task_result = xapi_task_wait_finish (task, result, &error);
  g_clear_object (&result);
  g_assert_null (task_result);
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_OTHER);
  g_assert_cmpstr (xapi_error_get_code_string (error), ==, "SOME_FUTURE_ERROR");
  g_assert_cmpstr (xapi_error_get_params (error)[0], ==, "p");
}

static void
test_task_list (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autoptr(XapiTestConnection) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(XapiTask) own = NULL;
  g_autoptr(XapiTask) theirs = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *session = NULL;
  g_autofree char *params = NULL;
  g_autofree char *raw_ref = NULL;
  GAsyncResult *result = NULL;
  GListModel *tasks;
  XapiCache *cache;
  XapiVm *vm, *vm2, *vm3;
  JsonNode *member;

  if (xapi_test_skip_without_sim ())
    return;
  /* Slow enough that every task is still there when we look. */
  sim = xapi_sim_start ("--scenario", "demo", "--time-scale", "1.0", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  other = xapi_test_connect_pinned (sim, NULL, NULL);
  cache = xapi_connection_get_cache (conn);
  tasks = xapi_cache_get_objects (cache, XAPI_TYPE_TASK);
  g_assert_true (g_list_model_get_item_type (tasks) == XAPI_TYPE_TASK);
  /* One VM per client: two clones of the same VM conflict
   * (OTHER_OPERATION_IN_PROGRESS). */
  vm = find_nth_vm (cache, XAPI_VM_POWER_STATE_HALTED, 0);
  vm2 = find_nth_vm (cache, XAPI_VM_POWER_STATE_HALTED, 1);
  vm3 = find_nth_vm (cache, XAPI_VM_POWER_STATE_HALTED, 2);
  g_assert_nonnull (vm3);

  /* Our own task. */
  xapi_vm_clone_as_task_async (conn, xapi_object_get_ref (XAPI_OBJECT (vm)), "mine",
                               NULL, xapi_test_store_result, &result);
  own = finish_task (conn, xapi_vm_clone_as_task_finish, &result);
  {
    RefWait w = { cache, xapi_object_get_ref (XAPI_OBJECT (own)) };
    g_assert_true (ref_in_model (&w));
  }

  /* Another XapiConnection's task shows up through events. */
  xapi_vm_clone_as_task_async (other, xapi_object_get_ref (XAPI_OBJECT (vm2)), "other client",
                               NULL, xapi_test_store_result, &result);
  theirs = finish_task (other, xapi_vm_clone_as_task_finish, &result);
  {
    RefWait w = { cache, xapi_object_get_ref (XAPI_OBJECT (theirs)) };
    g_assert_true (xapi_test_wait_for (ref_in_model, &w, WAIT_MS));
    /* Distinct caches, distinct objects. */
    g_assert_true (xapi_cache_lookup (cache, w.ref) != XAPI_OBJECT (theirs));
  }

  /* And so does one made by a raw client (xe, XenCenter...). */
  session = xapi_sim_raw_login (sim);
  params = g_strdup_printf ("[\"%s\",\"%s\",\"raw client\"]", session,
                            xapi_object_get_ref (XAPI_OBJECT (vm3)));
  reply = xapi_sim_raw_call (sim, NULL, "Async.VM.clone", params);
  member = json_object_get_member (json_node_get_object (reply), "result");
  g_assert_nonnull (member);
  raw_ref = g_strdup (json_node_get_string (member));
  g_assert_true (g_str_has_prefix (raw_ref, "OpaqueRef:"));
  {
    RefWait w = { cache, raw_ref };
    g_autoptr(XapiTask) task = NULL;

    g_assert_true (xapi_test_wait_for (ref_in_model, &w, WAIT_MS));
    task = XAPI_TASK (g_object_ref (xapi_cache_lookup (cache, raw_ref)));
    g_assert_cmpstr (xapi_task_get_name_label (task), ==, "Async.VM.clone");

    /* We can follow a task we did not create. */
    {
      g_autoptr(JsonNode) task_result = NULL;
      g_autofree char *new_ref = NULL;

      xapi_task_wait_async (task, FALSE, NULL, xapi_test_store_result, &result);
      xapi_test_wait_result (&result, WAIT_MS);
      task_result = xapi_task_wait_finish (task, result, &error);
      g_clear_object (&result);
      g_assert_no_error (error);
      new_ref = xapi_task_result_dup_ref (task_result);
      g_assert_true (g_str_has_prefix (new_ref, "OpaqueRef:"));
    }
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/task/decode-result", test_decode_result);
  g_test_add_func ("/task/progress-and-result", test_progress_and_result);
  g_test_add_func ("/task/cancel", test_cancel);
  g_test_add_func ("/task/error-info", test_error_info);
  g_test_add_func ("/task/list", test_task_list);

  return g_test_run ();
}

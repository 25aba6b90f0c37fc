/* test-ha-net.c: the HA page and the Disable HA action of a pool, and the
 * bonds of the NICs page, against xapi-sim (under xvfb-run; skip without a
 * display or without the simulator)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "sim-fixture.h"
#include "../ui-util.h"
#include "xapi-connection.h"
#include "xapi-cache.h"
#include "pages/xp-details-view.h"
#include "pages/xp-page-util.h"
#include "actions/xp-object-actions.h"

#define TIMEOUT_MS 20000

typedef struct {
  XapiSim         *sim;
  char            *session;
  XapiConnection  *conn;
  GtkWidget       *window;
  XpObjectActions *actions;
  GtkWidget       *details;
  GtkWidget       *overlay;
  GPtrArray       *toasts;
} Fixture;

static void
toast_cb (XpObjectActions *actions,
          const char      *text,
          Fixture         *f)
{
  g_test_message ("toast: %s", text);
  g_ptr_array_add (f->toasts, g_strdup (text));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (!xp_test_have_sim_and_display ())
    return;
  f->toasts = g_ptr_array_new_with_free_func (g_free);
  f->sim = xapi_sim_start ("--scenario", "demo", "--time-scale", "0.02", NULL);
  f->session = xapi_sim_raw_login (f->sim);
  f->conn = xapi_test_connect_pinned (f->sim, NULL, "secret");

  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 900, 700);
  f->actions = xp_object_actions_new (GTK_WINDOW (f->window));
  g_signal_connect (f->actions, "toast", G_CALLBACK (toast_cb), f);
  gtk_widget_insert_action_group (f->window, "obj", xp_object_actions_get_group (f->actions));
  f->overlay = adw_toast_overlay_new ();
  f->details = xp_details_view_new ();
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (f->overlay), f->details);
  gtk_window_set_child (GTK_WINDOW (f->window), f->overlay);
  gtk_window_present (GTK_WINDOW (f->window));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->window != NULL)
    {
      xp_details_view_set_selection (XP_DETAILS_VIEW (f->details), NULL);
      xp_object_actions_set_selection (f->actions, NULL);
      gtk_window_destroy (GTK_WINDOW (f->window));
    }
  g_clear_object (&f->actions);
  g_clear_pointer (&f->conn, xapi_test_connection_close);
  g_clear_pointer (&f->session, g_free);
  g_clear_pointer (&f->sim, xapi_sim_stop);
  g_clear_pointer (&f->toasts, g_ptr_array_unref);
}

/* ---- helpers ---- */

/* The "result" member of a raw call with @params_tail after the session
 * (JSON text, may be NULL), or NULL on failure. */
static JsonNode *
raw_result (Fixture    *f,
            const char *method,
            const char *params_tail)
{
  g_autofree char *params = g_strdup_printf ("[\"%s\"%s%s]", f->session,
                                             params_tail != NULL ? ", " : "",
                                             params_tail != NULL ? params_tail : "");
  g_autoptr(JsonNode) reply = xapi_sim_raw_call (f->sim, NULL, method, params);
  JsonObject *o = reply != NULL && JSON_NODE_HOLDS_OBJECT (reply) ? json_node_get_object (reply) : NULL;
  JsonNode *result = o != NULL ? json_object_get_member (o, "result") : NULL;

  return result != NULL ? json_node_copy (result) : NULL;
}

static char *
raw_text (Fixture    *f,
          const char *method,
          const char *ref)
{
  g_autofree char *tail = g_strdup_printf ("\"%s\"", ref);
  g_autoptr(JsonNode) r = raw_result (f, method, tail);

  if (r == NULL || !JSON_NODE_HOLDS_VALUE (r))
    return NULL;
  if (json_node_get_value_type (r) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (r));
  if (json_node_get_value_type (r) == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (r) ? "true" : "false");
  return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (r));
}

typedef struct {
  Fixture    *f;
  const char *method;
  const char *ref;
  const char *expect;
} RawWait;

static gboolean
raw_matches (gpointer data)
{
  RawWait *w = data;
  g_autofree char *value = raw_text (w->f, w->method, w->ref);

  return g_strcmp0 (value, w->expect) == 0;   /* NULL: the call fails */
}

static void
wait_raw (Fixture    *f,
          const char *method,
          const char *ref,
          const char *expect)
{
  RawWait w = { f, method, ref, expect };

  if (!xapi_test_wait_for (raw_matches, &w, TIMEOUT_MS))
    {
      g_autofree char *value = raw_text (f, method, ref);
      g_error ("%s(%s) is %s, expected %s", method, ref, value, expect);
    }
}

static void
select_one (Fixture    *f,
            XapiObject *obj)
{
  g_autoptr(GPtrArray) sel = g_ptr_array_new ();

  g_ptr_array_add (sel, obj);
  xp_object_actions_set_selection (f->actions, sel);
  xp_details_view_set_selection (XP_DETAILS_VIEW (f->details), sel);
}

/* Every focusable control under @root has an accessible name (an explicit
 * label, or a button's own label). */
static void
assert_named (GtkWidget *root)
{
  if (GTK_IS_BUTTON (root) || GTK_IS_DROP_DOWN (root) || GTK_IS_SPIN_BUTTON (root)
      || GTK_IS_CHECK_BUTTON (root) || GTK_IS_MENU_BUTTON (root) || GTK_IS_SWITCH (root))
    {
      g_autofree char *label = NULL;

      /* GTK 4.8 has no getter for accessible properties: the tooltip or
       * label we set alongside them stands in */
      label = g_strdup (gtk_widget_get_tooltip_text (root));
      if (label == NULL && GTK_IS_BUTTON (root) && gtk_button_get_label (GTK_BUTTON (root)) != NULL)
        label = g_strdup (gtk_button_get_label (GTK_BUTTON (root)));
      if (label == NULL && GTK_IS_CHECK_BUTTON (root) && gtk_check_button_get_label (GTK_CHECK_BUTTON (root)) != NULL)
        label = g_strdup (gtk_check_button_get_label (GTK_CHECK_BUTTON (root)));
      if (label == NULL)
        g_error ("%s %s has no name", G_OBJECT_TYPE_NAME (root), gtk_widget_get_name (root));
      if (GTK_IS_DROP_DOWN (root) || GTK_IS_SPIN_BUTTON (root))
        return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    assert_named (c);
}

typedef struct {
  Fixture    *f;
  const char *name;
  const char *subtitle;   /* NULL: the widget exists */
} RowWait;

static gboolean
row_matches (gpointer data)
{
  RowWait *w = data;
  GtkWidget *box = xp_details_view_get_page_box (XP_DETAILS_VIEW (w->f->details), "ha");
  GtkWidget *row = xp_test_find_named (box, w->name);

  if (row == NULL)
    return FALSE;
  if (w->subtitle == NULL)
    return TRUE;
  return ADW_IS_ACTION_ROW (row)
         && g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), w->subtitle) == 0;
}

static void
wait_row (Fixture    *f,
          const char *name,
          const char *subtitle)
{
  RowWait w = { f, name, subtitle };

  if (!xapi_test_wait_for (row_matches, &w, TIMEOUT_MS))
    g_error ("row %s never showed %s", name, subtitle ? subtitle : "(present)");
}

static GtkWidget *
ha_widget (Fixture    *f,
           const char *name)
{
  wait_row (f, name, NULL);
  return xp_test_find_named (xp_details_view_get_page_box (XP_DETAILS_VIEW (f->details), "ha"), name);
}

static XapiObject *
the_pool (Fixture *f)
{
  return xapi_cache_get_pool (xapi_connection_get_cache (f->conn));
}

static char *
shared_sr (Fixture *f)
{
  GListModel *srs = xapi_cache_get_objects_by_name (xapi_connection_get_cache (f->conn), "SR");

  for (guint i = 0; i < g_list_model_get_n_items (srs); i++)
    {
      g_autoptr(XapiObject) sr = g_list_model_get_item (srs, i);
      if (xp_field_bool (sr, "shared") && g_strcmp0 (xp_field_str (sr, "content_type"), "iso") != 0)
        return g_strdup (xapi_object_get_ref (sr));
    }
  return NULL;
}

/* Enable HA as another client would (raw JSON-RPC, a task). */
static void
enable_ha_elsewhere (Fixture *f)
{
  g_autofree char *sr = shared_sr (f);
  g_autofree char *tail = g_strdup_printf ("[\"%s\"], {}", sr);
  g_autoptr(JsonNode) task = raw_result (f, "Async.pool.enable_ha", tail);
  XapiObject *pool = the_pool (f);

  g_assert_nonnull (task);
  wait_raw (f, "pool.get_ha_enabled", xapi_object_get_ref (pool), "true");
}

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *tops = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);
      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  return find_dialog () != NULL;
}

static void
confirm_dialog (const char *response)
{
  AdwMessageDialog *dialog;

  g_assert_true (xapi_test_wait_for (dialog_shown, NULL, TIMEOUT_MS));
  dialog = find_dialog ();
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

typedef struct {
  Fixture    *f;
  const char *expect;
} ToastWait;

static gboolean
toast_arrived (gpointer data)
{
  ToastWait *w = data;

  for (guint i = 0; i < w->f->toasts->len; i++)
    if (strstr (g_ptr_array_index (w->f->toasts, i), w->expect) != NULL)
      return TRUE;
  return FALSE;
}

static void
wait_toast (Fixture    *f,
            const char *expect)
{
  ToastWait w = { f, expect };

  if (!xapi_test_wait_for (toast_arrived, &w, TIMEOUT_MS))
    g_error ("no toast with “%s”", expect);
}

typedef struct {
  Fixture    *f;
  const char *name;
  gboolean    enabled;
} EnabledWait;

static gboolean
enabled_matches (gpointer data)
{
  EnabledWait *w = data;

  return g_action_group_get_action_enabled (xp_object_actions_get_group (w->f->actions), w->name) == w->enabled;
}

static void
wait_enabled (Fixture    *f,
              const char *action,
              gboolean    enabled)
{
  EnabledWait w = { f, action, enabled };

  g_assert_true (xapi_test_wait_for (enabled_matches, &w, TIMEOUT_MS));
}

static void
show_ha_page (Fixture *f)
{
  select_one (f, the_pool (f));
  xp_details_view_set_page (XP_DETAILS_VIEW (f->details), "ha");
  g_assert_cmpstr (xp_details_view_get_page (XP_DETAILS_VIEW (f->details)), ==, "ha");
}

static XapiObject *
find_vm (Fixture    *f,
         const char *name)
{
  GListModel *vms = xapi_cache_get_objects_by_name (xapi_connection_get_cache (f->conn), "VM");

  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiObject) vm = g_list_model_get_item (vms, i);
      if (xp_object_kind (vm) == XP_KIND_VM && g_str_equal (xp_object_name (vm), name))
        return vm;   /* the cache keeps it */
    }
  return NULL;
}

/* ---- HA ---- */

static void
test_ha_page_live (Fixture       *f,
                   gconstpointer  data)
{
  XapiObject *pool;
  g_autofree char *sr_ref = NULL;
  XapiObject *sr;
  g_autofree char *tail = NULL;
  g_autoptr(JsonNode) task = NULL;

  if (f->conn == NULL)
    return;
  pool = the_pool (f);
  show_ha_page (f);
  wait_row (f, "ha-status", "Off");
  g_assert_null (xp_test_find_named (xp_details_view_get_page_box (XP_DETAILS_VIEW (f->details), "ha"), "ha-disable"));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (ha_widget (f, "ha-configure"))), ==, "wiz.ha");
  g_assert_false (g_action_group_get_action_enabled (xp_object_actions_get_group (f->actions), "disable-ha"));
  assert_named (xp_details_view_get_page_box (XP_DETAILS_VIEW (f->details), "ha"));

  /* another client turns HA on: the page follows */
  sr_ref = shared_sr (f);
  sr = xapi_cache_lookup (xapi_connection_get_cache (f->conn), sr_ref);
  enable_ha_elsewhere (f);
  wait_row (f, "ha-status", "On");
  wait_row (f, "ha-heartbeat", xp_object_name (sr));
  wait_row (f, "ha-max", "2");
  wait_row (f, "ha-plan", "2");
  wait_row (f, "ha-overcommitted", "No");
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (ha_widget (f, "ha-ntol"))), ==,
                     xp_field_int (pool, "ha_host_failures_to_tolerate"));
  ha_widget (f, "ha-disable");
  g_assert_null (xp_test_find_named (xp_details_view_get_page_box (XP_DETAILS_VIEW (f->details), "ha"), "ha-configure"));
  wait_enabled (f, "disable-ha", TRUE);
  assert_named (xp_details_view_get_page_box (XP_DETAILS_VIEW (f->details), "ha"));

  /* ... and off again */
  task = raw_result (f, "Async.pool.disable_ha", NULL);
  g_assert_nonnull (task);
  wait_row (f, "ha-status", "Off");
  wait_enabled (f, "disable-ha", FALSE);
  ha_widget (f, "ha-configure");
}

static void
test_ha_edit (Fixture       *f,
              gconstpointer  data)
{
  XapiObject *pool, *vm;
  g_autofree char *prio = NULL;
  g_autofree char *order = NULL;
  GtkWidget *spin;

  if (f->conn == NULL)
    return;
  pool = the_pool (f);
  vm = find_vm (f, "scratch");
  g_assert_nonnull (vm);
  enable_ha_elsewhere (f);
  show_ha_page (f);
  wait_row (f, "ha-status", "On");

  spin = ha_widget (f, "ha-ntol");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 1);
  wait_raw (f, "pool.get_ha_host_failures_to_tolerate", xapi_object_get_ref (pool), "1");
  wait_raw (f, "pool.get_ha_plan_exists_for", xapi_object_get_ref (pool), "1");

  prio = g_strdup_printf ("ha-priority:%s", xapi_object_get_ref (vm));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (ha_widget (f, prio)), 0);
  wait_raw (f, "VM.get_ha_restart_priority", xapi_object_get_ref (vm), "restart");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (ha_widget (f, prio)), 1);
  wait_raw (f, "VM.get_ha_restart_priority", xapi_object_get_ref (vm), "best-effort");

  order = g_strdup_printf ("ha-order:%s", xapi_object_get_ref (vm));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (ha_widget (f, order)), 4);
  wait_raw (f, "VM.get_order", xapi_object_get_ref (vm), "4");
}

static void
test_ha_disable_button (Fixture       *f,
                        gconstpointer  data)
{
  XapiObject *pool;

  if (f->conn == NULL)
    return;
  pool = the_pool (f);
  enable_ha_elsewhere (f);
  show_ha_page (f);
  wait_row (f, "ha-disable", NULL);
  wait_enabled (f, "disable-ha", TRUE);

  /* cancel keeps HA on */
  gtk_widget_activate (ha_widget (f, "ha-disable"));
  confirm_dialog ("cancel");
  g_assert_cmpuint (xp_object_actions_get_n_running (f->actions), ==, 0);
  wait_raw (f, "pool.get_ha_enabled", xapi_object_get_ref (pool), "true");

  gtk_widget_activate (ha_widget (f, "ha-disable"));
  confirm_dialog ("ok");
  wait_toast (f, "High availability disabled");
  wait_raw (f, "pool.get_ha_enabled", xapi_object_get_ref (pool), "false");
  wait_row (f, "ha-status", "Off");
}

static void
test_ha_disable_action_and_failure (Fixture       *f,
                                    gconstpointer  data)
{
  XapiObject *pool;

  if (f->conn == NULL)
    return;
  pool = the_pool (f);
  enable_ha_elsewhere (f);
  select_one (f, pool);
  wait_enabled (f, "disable-ha", TRUE);

  /* an injected failure: a readable toast, HA stays on */
  json_node_unref (xapi_sim_control (f->sim, "/fail-next",
                                     "{\"method\":\"pool.disable_ha\",\"error\":[\"INTERNAL_ERROR\",\"xha: statefile unreachable\"]}"));
  g_action_group_activate_action (xp_object_actions_get_group (f->actions), "disable-ha", NULL);
  confirm_dialog ("ok");
  wait_toast (f, "Disable HA “Demo Pool” failed: The server hit an internal error: xha: statefile unreachable");
  g_assert_null (strstr (g_ptr_array_index (f->toasts, f->toasts->len - 1), "OpaqueRef"));
  g_assert_cmpuint (xp_object_actions_get_n_running (f->actions), ==, 0);
  wait_raw (f, "pool.get_ha_enabled", xapi_object_get_ref (pool), "true");

  /* the same action, now through */
  g_ptr_array_set_size (f->toasts, 0);
  g_action_group_activate_action (xp_object_actions_get_group (f->actions), "disable-ha", NULL);
  confirm_dialog ("ok");
  wait_toast (f, "High availability disabled");
  wait_raw (f, "pool.get_ha_enabled", xapi_object_get_ref (pool), "false");
  wait_enabled (f, "disable-ha", FALSE);
}

/* ---- bonds on the NICs page ---- */

static XapiObject *
master_host (Fixture *f)
{
  return xp_follow (the_pool (f), "master");
}

static XapiObject *
host_pif (XapiObject *host,
          const char *device)
{
  g_autoptr(GPtrArray) pifs = xp_follow_set (host, "PIFs");

  for (guint i = 0; i < pifs->len; i++)
    {
      XapiObject *pif = g_ptr_array_index (pifs, i);
      if (g_str_equal (xp_field_str (pif, "device"), device) && xp_field_int (pif, "VLAN") < 0)
        return pif;
    }
  return NULL;
}

typedef struct {
  Fixture    *f;
  const char *name;
} NicWait;

static gboolean
nic_widget_shown (gpointer data)
{
  NicWait *w = data;

  return xp_test_find_named (xp_details_view_get_page_box (XP_DETAILS_VIEW (w->f->details), "nics"), w->name) != NULL;
}

static GtkWidget *
nic_widget (Fixture    *f,
            const char *name)
{
  NicWait w = { f, name };

  if (!xapi_test_wait_for (nic_widget_shown, &w, TIMEOUT_MS))
    g_error ("%s never shown on the NICs page", name);
  return xp_test_find_named (xp_details_view_get_page_box (XP_DETAILS_VIEW (f->details), "nics"), name);
}

static guint
raw_count (Fixture    *f,
           const char *method)
{
  g_autoptr(JsonNode) r = raw_result (f, method, NULL);

  g_assert_nonnull (r);
  return json_array_get_length (json_node_get_array (r));
}

typedef struct {
  Fixture    *f;
  const char *method;
  guint       n;
} CountWait;

static gboolean
count_is (gpointer data)
{
  CountWait *w = data;

  return raw_count (w->f, w->method) == w->n;
}

static void
tick_and_create (Fixture *f)
{
  GtkWidget *create;

  xp_details_view_set_page (XP_DETAILS_VIEW (f->details), "nics");
  create = nic_widget (f, "bond-create");
  g_assert_false (gtk_widget_get_sensitive (create));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (nic_widget (f, "bond-member:eth0")), TRUE);
  g_assert_false (gtk_widget_get_sensitive (create));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (nic_widget (f, "bond-member:eth1")), TRUE);
  g_assert_true (gtk_widget_get_sensitive (create));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (nic_widget (f, "bond-mode")), 2);   /* lacp */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (nic_widget (f, "bond-mtu")), 9000);
  assert_named (xp_details_view_get_page_box (XP_DETAILS_VIEW (f->details), "nics"));
  g_signal_emit_by_name (create, "clicked");
}

static void
test_bond_create_delete (Fixture       *f,
                         gconstpointer  data)
{
  XapiObject *host, *eth0;
  g_autofree char *bond = NULL;
  g_autofree char *master = NULL;
  g_autofree char *net = NULL;
  g_autofree char *device = NULL;
  g_autofree char *delete_name = NULL;
  guint bonds_before, nets_before;
  AdwMessageDialog *dialog;
  RawWait gone;

  if (f->conn == NULL)
    return;
  host = master_host (f);
  eth0 = host_pif (host, "eth0");
  g_assert_nonnull (eth0);
  bonds_before = raw_count (f, "Bond.get_all");
  nets_before = raw_count (f, "network.get_all");
  select_one (f, host);
  tick_and_create (f);
  wait_toast (f, "Bond of eth0, eth1 created");
  g_assert_cmpuint (raw_count (f, "Bond.get_all"), ==, bonds_before + 1);
  g_assert_cmpuint (raw_count (f, "network.get_all"), ==, nets_before + 1);
  bond = raw_text (f, "PIF.get_bond_slave_of", xapi_object_get_ref (eth0));
  g_assert_true (g_str_has_prefix (bond, "OpaqueRef:") && !g_str_equal (bond, "OpaqueRef:NULL"));
  wait_raw (f, "Bond.get_mode", bond, "lacp");
  master = raw_text (f, "Bond.get_master", bond);
  wait_raw (f, "PIF.get_MTU", master, "9000");
  net = raw_text (f, "PIF.get_network", master);
  device = raw_text (f, "PIF.get_device", master);

  /* the new bond shows up with a delete button; its confirmation names the NICs */
  delete_name = g_strdup_printf ("bond-delete:%s", device);
  gtk_widget_activate (nic_widget (f, delete_name));
  g_assert_true (xapi_test_wait_for (dialog_shown, NULL, TIMEOUT_MS));
  dialog = find_dialog ();
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "eth0, eth1"));
  adw_message_dialog_response (dialog, "ok");
  gtk_window_destroy (GTK_WINDOW (dialog));
  wait_toast (f, "Bond of eth0, eth1 deleted");
  wait_raw (f, "PIF.get_bond_slave_of", xapi_object_get_ref (eth0), "OpaqueRef:NULL");
  g_assert_cmpuint (raw_count (f, "Bond.get_all"), ==, bonds_before);
  /* its network, used by nothing else, went with it */
  gone = (RawWait) { f, "network.get_name_label", net, NULL };
  g_assert_true (raw_matches (&gone));
  g_assert_cmpuint (raw_count (f, "network.get_all"), ==, nets_before);
  g_assert_cmpuint (xp_object_actions_get_n_running (f->actions), ==, 0);
}

static void
test_bond_failure (Fixture       *f,
                   gconstpointer  data)
{
  XapiObject *host, *eth0;
  CountWait nets;
  guint bonds_before;
  g_autofree char *slave = NULL;

  if (f->conn == NULL)
    return;
  host = master_host (f);
  eth0 = host_pif (host, "eth0");
  bonds_before = raw_count (f, "Bond.get_all");
  nets = (CountWait) { f, "network.get_all", raw_count (f, "network.get_all") };
  json_node_unref (xapi_sim_control (f->sim, "/fail-next",
                                     "{\"method\":\"Bond.create\",\"error\":[\"INTERNAL_ERROR\",\"bonding driver not loaded\"]}"));
  select_one (f, host);
  tick_and_create (f);
  wait_toast (f, "Create Bond “");
  wait_toast (f, "failed: The server hit an internal error: bonding driver not loaded");
  /* nothing half-done: the network made for the bond is gone again */
  if (!xapi_test_wait_for (count_is, &nets, TIMEOUT_MS))
    g_error ("the bond's network was left behind");
  g_assert_cmpuint (raw_count (f, "Bond.get_all"), ==, bonds_before);
  slave = raw_text (f, "PIF.get_bond_slave_of", xapi_object_get_ref (eth0));
  g_assert_cmpstr (slave, ==, "OpaqueRef:NULL");
  g_assert_cmpuint (xp_object_actions_get_n_running (f->actions), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  if (gtk_init_check ())
    adw_init ();

  g_test_add ("/ha/page-live", Fixture, NULL, fixture_setup, test_ha_page_live, fixture_teardown);
  g_test_add ("/ha/edit", Fixture, NULL, fixture_setup, test_ha_edit, fixture_teardown);
  g_test_add ("/ha/disable-button", Fixture, NULL, fixture_setup, test_ha_disable_button, fixture_teardown);
  g_test_add ("/ha/disable-action-failure", Fixture, NULL, fixture_setup, test_ha_disable_action_and_failure, fixture_teardown);
  g_test_add ("/nics/bond-create-delete", Fixture, NULL, fixture_setup, test_bond_create_delete, fixture_teardown);
  g_test_add ("/nics/bond-failure", Fixture, NULL, fixture_setup, test_bond_failure, fixture_teardown);
  return g_test_run ();
}

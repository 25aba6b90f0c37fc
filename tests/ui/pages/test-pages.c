/* test-pages.c: in-process tests of the details pages and the object actions
 * against xapi-sim (run under xvfb-run by meson; skip without a display or
 * without the simulator)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "sim-fixture.h"
#include "../ui-util.h"
#include "xapi-connection.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
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
  GtkWidget *overlay;

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
  overlay = adw_toast_overlay_new ();
  f->details = xp_details_view_new ();
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), f->details);
  gtk_window_set_child (GTK_WINDOW (f->window), overlay);
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

/* A halted, ordinary VM with at least one disk, skipping @not. */
static XapiObject *
find_halted_vm (Fixture    *f,
                XapiObject *not)
{
  GListModel *vms = xapi_cache_get_objects_by_name (xapi_connection_get_cache (f->conn), "VM");

  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiObject) vm = g_list_model_get_item (vms, i);
      g_autoptr(GPtrArray) vbds = xp_follow_set (vm, "VBDs");
      gboolean has_disk = FALSE;

      for (guint j = 0; j < vbds->len; j++)
        has_disk |= g_str_equal (xp_field_enum (g_ptr_array_index (vbds, j), "type"), "Disk");
      if (vm != not && xp_object_kind (vm) == XP_KIND_VM && has_disk
          && g_str_equal (xp_field_enum (vm, "power_state"), "Halted"))
        return vm;   /* the cache keeps it alive */
    }
  return NULL;
}

/* The result member of a raw call, as a string (NULL on failure). */
static char *
raw_string (Fixture    *f,
            const char *method,
            const char *ref)
{
  g_autofree char *params = g_strdup_printf ("[\"%s\", \"%s\"]", f->session, ref);
  g_autoptr(JsonNode) reply = xapi_sim_raw_call (f->sim, NULL, method, params);
  JsonObject *o = reply != NULL && JSON_NODE_HOLDS_OBJECT (reply) ? json_node_get_object (reply) : NULL;
  JsonNode *result = o != NULL ? json_object_get_member (o, "result") : NULL;

  if (result == NULL || !JSON_NODE_HOLDS_VALUE (result))
    return NULL;
  return g_strdup (json_node_get_string (result));
}

typedef struct {
  Fixture    *f;
  const char *method;
  const char *ref;
  const char *expect;   /* NULL: wait for the call to fail */
} RawWait;

static gboolean
raw_matches (gpointer data)
{
  RawWait *w = data;
  g_autofree char *value = raw_string (w->f, w->method, w->ref);

  if (w->expect == NULL)
    return value == NULL;
  return g_strcmp0 (value, w->expect) == 0;
}

static gboolean
action_enabled (Fixture    *f,
                const char *name)
{
  return g_action_group_get_action_enabled (xp_object_actions_get_group (f->actions), name);
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

  return action_enabled (w->f, w->name) == w->enabled;
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

static void
collect_row_titles (GtkWidget *root,
                    GPtrArray *out)
{
  if (ADW_IS_PREFERENCES_ROW (root))
    g_ptr_array_add (out, g_strdup (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root))));
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_row_titles (c, out);
}

static gboolean
titles_contain (GPtrArray  *titles,
                const char *title)
{
  for (guint i = 0; i < titles->len; i++)
    if (g_strcmp0 (g_ptr_array_index (titles, i), title) == 0)
      return TRUE;
  return FALSE;
}

/* With XP_PAGES_SCREENSHOT_DIR set, save the window as <dir>/<name>.png
 * (to look at the pages; not an assertion). */
static void
maybe_screenshot (Fixture    *f,
                  const char *name)
{
  const char *dir = g_getenv ("XP_PAGES_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GskRenderer *renderer;
  int w, h;

  if (dir == NULL)
    return;
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  paintable = gtk_widget_paintable_new (f->window);
  w = gdk_paintable_get_intrinsic_width (paintable);
  h = gdk_paintable_get_intrinsic_height (paintable);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    return;
  renderer = gtk_native_get_renderer (GTK_NATIVE (f->window));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  path = g_strdup_printf ("%s/%s.png", dir, name);
  gdk_texture_save_to_png (texture, path);
}

/* ---- tests ---- */

static void
test_start_and_enabled (Fixture       *f,
                        gconstpointer  data)
{
  XapiObject *vm;
  RawWait running;
  EnabledWait ew;

  if (g_test_failed () || f->conn == NULL)
    return;
  vm = find_halted_vm (f, NULL);
  g_assert_nonnull (vm);
  select_one (f, vm);

  /* enabled states follow the power state */
  g_assert_true (action_enabled (f, "start"));
  g_assert_false (action_enabled (f, "shutdown"));
  g_assert_false (action_enabled (f, "suspend"));
  g_assert_false (action_enabled (f, "maintenance"));
  g_assert_true (action_enabled (f, "delete"));

  g_action_group_activate_action (xp_object_actions_get_group (f->actions), "start", NULL);
  running = (RawWait) { f, "VM.get_power_state", xapi_object_get_ref (vm), "Running" };
  g_assert_true (xapi_test_wait_for (raw_matches, &running, TIMEOUT_MS));

  /* ... and change live once the cache has seen it */
  ew = (EnabledWait) { f, "shutdown", TRUE };
  g_assert_true (xapi_test_wait_for (enabled_matches, &ew, TIMEOUT_MS));
  g_assert_false (action_enabled (f, "start"));
  g_assert_false (action_enabled (f, "delete"));
  g_assert_true (action_enabled (f, "suspend"));
}

static gboolean
entry_text_is (gpointer data)
{
  gpointer *pair = data;
  GtkWidget *row = xp_test_find_named (pair[0], "name_label");

  return row != NULL && g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (row)), pair[1]) == 0;
}

static void
test_general_edit_name (Fixture       *f,
                        gconstpointer  data)
{
  XapiObject *vm;
  GtkWidget *page, *row;
  RawWait renamed;
  gpointer pair[2];

  if (g_test_failed () || f->conn == NULL)
    return;
  vm = find_halted_vm (f, NULL);
  g_assert_nonnull (vm);
  select_one (f, vm);
  g_assert_cmpstr (xp_details_view_get_page (XP_DETAILS_VIEW (f->details)), ==, "general");
  g_assert_cmpuint (xp_details_view_get_n_watches (XP_DETAILS_VIEW (f->details)), >, 0);

  page = xp_details_view_get_page_box (XP_DETAILS_VIEW (f->details), "general");
  row = xp_test_find_named (page, "name_label");
  g_assert_nonnull (row);
  g_assert_true (ADW_IS_ENTRY_ROW (row));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, xp_object_name (vm));

  gtk_editable_set_text (GTK_EDITABLE (row), "renamed-by-test");
  g_signal_emit_by_name (row, "apply");
  renamed = (RawWait) { f, "VM.get_name_label", xapi_object_get_ref (vm), "renamed-by-test" };
  g_assert_true (xapi_test_wait_for (raw_matches, &renamed, TIMEOUT_MS));

  /* a change made elsewhere shows up in the page (objects update in place) */
  {
    g_autofree char *params = g_strdup_printf ("[\"%s\", \"%s\", \"changed-elsewhere\"]",
                                               f->session, xapi_object_get_ref (vm));
    g_autoptr(JsonNode) reply = xapi_sim_raw_call (f->sim, NULL, "VM.set_name_label", params);
  }
  pair[0] = page;
  pair[1] = "changed-elsewhere";
  g_assert_true (xapi_test_wait_for (entry_text_is, pair, TIMEOUT_MS));

  /* handlers go away with the selection */
  xp_details_view_set_selection (XP_DETAILS_VIEW (f->details), NULL);
  g_assert_cmpuint (xp_details_view_get_n_watches (XP_DETAILS_VIEW (f->details)), ==, 0);
}

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *tops = gtk_window_get_toplevels ();   /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);
      if (ADW_IS_MESSAGE_DIALOG (w))
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
test_delete_dialog (Fixture       *f,
                    gconstpointer  data)
{
  XapiObject *vm;
  AdwMessageDialog *dialog;
  GtkWidget *list;
  g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) vbds = NULL;
  g_autoptr(GPtrArray) disk_refs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *vm_ref = NULL;
  RawWait gone;
  guint n_disks = 0;

  if (g_test_failed () || f->conn == NULL)
    return;
  vm = find_halted_vm (f, NULL);
  g_assert_nonnull (vm);
  vm_ref = g_strdup (xapi_object_get_ref (vm));
  select_one (f, vm);

  g_action_group_activate_action (xp_object_actions_get_group (f->actions), "delete", NULL);
  g_assert_true (xapi_test_wait_for (dialog_shown, NULL, TIMEOUT_MS));
  dialog = find_dialog ();
  list = xp_test_find_named (GTK_WIDGET (dialog), "delete-list");
  g_assert_nonnull (list);
  collect_row_titles (list, titles);

  vbds = xp_follow_set (vm, "VBDs");
  for (guint i = 0; i < vbds->len; i++)
    {
      XapiObject *vbd = g_ptr_array_index (vbds, i);
      XapiObject *vdi = xp_follow (vbd, "VDI");
      if (vdi == NULL || !g_str_equal (xp_field_enum (vbd, "type"), "Disk"))
        continue;
      g_assert_true (titles_contain (titles, xp_object_name (vdi)));
      g_ptr_array_add (disk_refs, g_strdup (xapi_object_get_ref (vdi)));
      n_disks++;
    }
  g_assert_cmpuint (n_disks, >, 0);

  /* confirm: the VM and its (unshared, checked by default) disks go away */
  adw_message_dialog_response (dialog, "ok");
  gtk_window_destroy (GTK_WINDOW (dialog));
  gone = (RawWait) { f, "VM.get_name_label", vm_ref, NULL };
  g_assert_true (xapi_test_wait_for (raw_matches, &gone, TIMEOUT_MS));
  for (guint i = 0; i < disk_refs->len; i++)
    {
      RawWait disk_gone = { f, "VDI.get_name_label", g_ptr_array_index (disk_refs, i), NULL };
      g_assert_true (xapi_test_wait_for (raw_matches, &disk_gone, TIMEOUT_MS));
    }
}

static void
test_pages_by_type (Fixture       *f,
                    gconstpointer  data)
{
  XapiCache *cache;
  XapiObject *host, *pool;
  GListModel *srs;
  const char *pages_vm[] = { "general", "memory", "storage", "networking", "snapshots", "console", "logs" };

  if (g_test_failed () || f->conn == NULL)
    return;
  cache = xapi_connection_get_cache (f->conn);

  /* every page of a VM builds and has content */
  select_one (f, find_halted_vm (f, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (pages_vm); i++)
    {
      GtkWidget *box;
      xp_details_view_set_page (XP_DETAILS_VIEW (f->details), pages_vm[i]);
      g_assert_cmpstr (xp_details_view_get_page (XP_DETAILS_VIEW (f->details)), ==, pages_vm[i]);
      box = xp_details_view_get_page_box (XP_DETAILS_VIEW (f->details), pages_vm[i]);
      g_assert_nonnull (gtk_widget_get_first_child (box));
      maybe_screenshot (f, pages_vm[i]);
    }

  host = xapi_cache_get_master (cache);
  g_assert_nonnull (host);
  select_one (f, host);
  xp_details_view_set_page (XP_DETAILS_VIEW (f->details), "nics");
  g_assert_cmpstr (xp_details_view_get_page (XP_DETAILS_VIEW (f->details)), ==, "nics");
  {
    g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);
    collect_row_titles (xp_details_view_get_page_box (XP_DETAILS_VIEW (f->details), "nics"), titles);
    g_assert_cmpuint (titles->len, >, 0);
    maybe_screenshot (f, "host-nics");
    xp_details_view_set_page (XP_DETAILS_VIEW (f->details), "general");
    maybe_screenshot (f, "host-general");
  }
  g_assert_true (action_enabled (f, "maintenance"));
  g_assert_false (action_enabled (f, "start"));

  pool = xapi_cache_get_pool (cache);
  select_one (f, pool);
  g_assert_true (action_enabled (f, "pool-rename"));
  xp_details_view_set_page (XP_DETAILS_VIEW (f->details), "storage");
  g_assert_cmpstr (xp_details_view_get_page (XP_DETAILS_VIEW (f->details)), ==, "storage");

  srs = xapi_cache_get_objects_by_name (cache, "SR");
  {
    g_autoptr(XapiObject) sr = g_list_model_get_item (srs, 0);
    g_autoptr(GPtrArray) two = g_ptr_array_new ();
    select_one (f, sr);
    g_assert_cmpstr (xp_details_view_get_page (XP_DETAILS_VIEW (f->details)), ==, "storage");
    maybe_screenshot (f, "sr-storage");

    /* multi-selection: a summary page */
    g_ptr_array_add (two, sr);
    g_ptr_array_add (two, host);
    xp_details_view_set_selection (XP_DETAILS_VIEW (f->details), two);
    g_assert_cmpstr (xp_details_view_get_page (XP_DETAILS_VIEW (f->details)), ==, "summary");
    maybe_screenshot (f, "summary");
  }
}

/* Answer "ok" to the confirmation (when one shows up) and wait for a toast
 * containing @expect. */
typedef struct {
  Fixture    *f;
  const char *expect;
  gboolean    answered;
  const char *entry_text;
} ToastWait;

static gboolean
is_entry (GtkWidget *widget,
          gpointer   data)
{
  return GTK_IS_ENTRY (widget);
}

static gboolean
toast_arrived (gpointer data)
{
  ToastWait *w = data;
  AdwMessageDialog *dialog = find_dialog ();

  if (dialog != NULL && !w->answered)
    {
      GtkWidget *entry = xp_test_find (GTK_WIDGET (dialog), is_entry, NULL);
      w->answered = TRUE;
      if (entry != NULL && w->entry_text != NULL)
        gtk_editable_set_text (GTK_EDITABLE (entry), w->entry_text);
      adw_message_dialog_response (dialog, "ok");
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
  for (guint i = 0; i < w->f->toasts->len; i++)
    if (strstr (g_ptr_array_index (w->f->toasts, i), w->expect) != NULL)
      return TRUE;
  return FALSE;
}

static void
run_and_expect_text (Fixture    *f,
                     const char *action,
                     GVariant   *target,
                     const char *expect,
                     const char *entry_text)
{
  ToastWait w = { f, expect, FALSE, entry_text };
  EnabledWait ew = { f, action, TRUE };

  g_ptr_array_set_size (f->toasts, 0);
  /* the task may end before the event with the new allowed_operations arrives */
  if (!xapi_test_wait_for (enabled_matches, &ew, TIMEOUT_MS))
    g_error ("action %s did not become enabled", action);
  g_action_group_activate_action (xp_object_actions_get_group (f->actions), action, target);
  g_assert_true (xapi_test_wait_for (toast_arrived, &w, TIMEOUT_MS));
  g_assert_cmpuint (xp_object_actions_get_n_running (f->actions), ==, 0);
}

static void
run_and_expect (Fixture    *f,
                const char *action,
                GVariant   *target,
                const char *expect)
{
  run_and_expect_text (f, action, target, expect, NULL);
}

static gboolean
has_snapshot (gpointer data)
{
  return xp_field_strv (data, "snapshots")[0] != NULL;
}

static void
test_more_actions (Fixture       *f,
                   gconstpointer  data)
{
  XapiCache *cache;
  XapiObject *vm, *snap, *pool, *sr = NULL, *tmpl = NULL;
  GListModel *list;
  g_autofree char *pool_name = NULL;
  RawWait renamed;

  if (g_test_failed () || f->conn == NULL)
    return;
  cache = xapi_connection_get_cache (f->conn);
  vm = find_halted_vm (f, NULL);
  select_one (f, vm);

  run_and_expect (f, "start", NULL, "started");
  run_and_expect (f, "snapshot", NULL, "taken");
  g_assert_true (xapi_test_wait_for (has_snapshot, vm, TIMEOUT_MS));
  snap = xapi_cache_lookup (cache, xp_field_strv (vm, "snapshots")[0]);
  g_assert_nonnull (snap);

  /* the snapshot page shows it and "you are here" */
  xp_details_view_set_page (XP_DETAILS_VIEW (f->details), "snapshots");
  {
    g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);
    while (g_main_context_iteration (NULL, FALSE));
    collect_row_titles (xp_details_view_get_page_box (XP_DETAILS_VIEW (f->details), "snapshots"), titles);
    g_assert_true (titles_contain (titles, xp_object_name (snap)));
    g_assert_true (titles_contain (titles, "You are here"));
  }

  run_and_expect (f, "suspend", NULL, "suspended");
  run_and_expect (f, "resume", NULL, "resumed");
  run_and_expect (f, "shutdown", NULL, "shut down");
  run_and_expect (f, "invoke", g_variant_new ("(ss)", "revert", xapi_object_get_ref (snap)), "Reverted");
  run_and_expect (f, "clone", NULL, "cloned");

  /* a template: new VM (dialog with a name, started) */
  list = xapi_cache_get_objects_by_name (cache, "VM");
  for (guint i = 0; i < g_list_model_get_n_items (list) && tmpl == NULL; i++)
    {
      g_autoptr(XapiObject) o = g_list_model_get_item (list, i);
      if (xp_object_kind (o) == XP_KIND_TEMPLATE)
        tmpl = o;
    }
  g_assert_nonnull (tmpl);
  select_one (f, tmpl);
  run_and_expect (f, "new-vm-from-template", NULL, "New VM created");

  list = xapi_cache_get_objects_by_name (cache, "SR");
  for (guint i = 0; i < g_list_model_get_n_items (list) && sr == NULL; i++)
    {
      g_autoptr(XapiObject) o = g_list_model_get_item (list, i);
      if (xp_strv_has (xp_field_strv (o, "allowed_operations"), "scan"))
        sr = o;
    }
  g_assert_nonnull (sr);
  select_one (f, sr);
  run_and_expect (f, "sr-rescan", NULL, "rescanned");

  /* maintenance mode of a member (blockers checked, confirmed, evacuated), and back */
  {
    GListModel *hosts = xapi_cache_get_objects_by_name (cache, "host");
    XapiObject *master = xapi_cache_get_master (cache);
    for (guint i = 0; i < g_list_model_get_n_items (hosts); i++)
      {
        g_autoptr(XapiObject) member = g_list_model_get_item (hosts, i);
        if (member == master)
          continue;
        select_one (f, member);
        run_and_expect (f, "maintenance", NULL, "maintenance mode");
        {
          g_autofree char *params = g_strdup_printf ("[\"%s\", \"%s\"]", f->session, xapi_object_get_ref (member));
          g_autoptr(JsonNode) reply = xapi_sim_raw_call (f->sim, NULL, "host.get_enabled", params);
          JsonNode *res = json_object_get_member (json_node_get_object (reply), "result");
          g_assert_false (json_node_get_boolean (res));
        }
        run_and_expect (f, "exit-maintenance", NULL, "left maintenance");
        break;
      }
  }

  pool = xapi_cache_get_pool (cache);
  select_one (f, pool);
  run_and_expect_text (f, "pool-rename", NULL, "renamed", "Renamed by test");
  pool_name = g_strdup ("Renamed by test");
  renamed = (RawWait) { f, "pool.get_name_label", xapi_object_get_ref (pool), pool_name };
  g_assert_true (xapi_test_wait_for (raw_matches, &renamed, TIMEOUT_MS));
}

static gboolean
n_strv_is (gpointer data)
{
  gpointer *args = data;

  return g_strv_length ((char **) xp_field_strv (args[0], args[1])) == GPOINTER_TO_UINT (args[2]);
}

static void
test_devices (Fixture       *f,
              gconstpointer  data)
{
  XapiCache *cache;
  XapiObject *vm, *iso = NULL, *net, *cd = NULL, *new_vbd = NULL;
  GListModel *list;
  guint n_vbds, n_vifs;
  gpointer args[3];
  g_autoptr(GPtrArray) vbds = NULL;
  g_autoptr(GPtrArray) before = NULL;

  if (g_test_failed () || f->conn == NULL)
    return;
  cache = xapi_connection_get_cache (f->conn);
  vm = find_halted_vm (f, NULL);
  select_one (f, vm);
  n_vbds = g_strv_length ((char **) xp_field_strv (vm, "VBDs"));
  n_vifs = g_strv_length ((char **) xp_field_strv (vm, "VIFs"));
  before = xp_follow_set (vm, "VBDs");

  /* add a disk (dialog asks the size) */
  run_and_expect_text (f, "add-disk", NULL, "Disk added", "2");
  args[0] = vm; args[1] = "VBDs"; args[2] = GUINT_TO_POINTER (n_vbds + 1);
  g_assert_true (xapi_test_wait_for (n_strv_is, args, TIMEOUT_MS));
  vbds = xp_follow_set (vm, "VBDs");
  for (guint i = 0; i < vbds->len; i++)
    if (!g_ptr_array_find (before, g_ptr_array_index (vbds, i), NULL))
      new_vbd = g_ptr_array_index (vbds, i);
  g_assert_nonnull (new_vbd);
  g_assert_cmpint (xp_field_int (xp_follow (new_vbd, "VDI"), "virtual_size"), ==, 2 * 1024 * 1024 * 1024LL);

  /* detach it again (from the Storage page's button) */
  run_and_expect (f, "invoke", g_variant_new ("(ss)", "detach-disk", xapi_object_get_ref (new_vbd)), "detached");
  args[2] = GUINT_TO_POINTER (n_vbds);
  g_assert_true (xapi_test_wait_for (n_strv_is, args, TIMEOUT_MS));

  /* a network interface */
  list = xapi_cache_get_objects_by_name (cache, "network");
  net = g_list_model_get_item (list, 0);
  run_and_expect (f, "add-vif", g_variant_new_string (xapi_object_get_ref (net)), "Network interface added");
  g_object_unref (net);
  args[1] = "VIFs"; args[2] = GUINT_TO_POINTER (n_vifs + 1);
  g_assert_true (xapi_test_wait_for (n_strv_is, args, TIMEOUT_MS));

  /* an ISO into the DVD drive, and out */
  list = xapi_cache_get_objects_by_name (cache, "VDI");
  for (guint i = 0; i < g_list_model_get_n_items (list) && iso == NULL; i++)
    {
      g_autoptr(XapiObject) vdi = g_list_model_get_item (list, i);
      XapiObject *sr = xp_follow (vdi, "SR");
      if (sr != NULL && g_str_equal (xp_field_str (sr, "content_type"), "iso"))
        iso = vdi;
    }
  g_assert_nonnull (iso);
  vbds = (g_ptr_array_unref (vbds), xp_follow_set (vm, "VBDs"));
  for (guint i = 0; i < vbds->len; i++)
    if (g_str_equal (xp_field_enum (g_ptr_array_index (vbds, i), "type"), "CD"))
      cd = g_ptr_array_index (vbds, i);
  if (cd == NULL)
    {
      g_test_message ("the VM has no DVD drive; ISO insert not tested");
      return;
    }
  /* a drive that already holds a disc is emptied first (Insert is only
   * offered for an empty drive) */
  if (!xp_field_bool (cd, "empty"))
    run_and_expect (f, "eject", NULL, "ejected");
  run_and_expect (f, "insert-iso", g_variant_new_string (xapi_object_get_ref (iso)), "inserted");
  {
    RawWait w = { f, "VBD.get_VDI", xapi_object_get_ref (cd), xapi_object_get_ref (iso) };
    g_assert_true (xapi_test_wait_for (raw_matches, &w, TIMEOUT_MS));
  }
  run_and_expect (f, "eject", NULL, "ejected");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  if (gtk_init_check ())
    adw_init ();

  g_test_add ("/pages/actions/start-and-enabled", Fixture, NULL, fixture_setup, test_start_and_enabled, fixture_teardown);
  g_test_add ("/pages/general/edit-name", Fixture, NULL, fixture_setup, test_general_edit_name, fixture_teardown);
  g_test_add ("/pages/actions/delete-dialog", Fixture, NULL, fixture_setup, test_delete_dialog, fixture_teardown);
  g_test_add ("/pages/details/pages-by-type", Fixture, NULL, fixture_setup, test_pages_by_type, fixture_teardown);
  g_test_add ("/pages/actions/more", Fixture, NULL, fixture_setup, test_more_actions, fixture_teardown);
  g_test_add ("/pages/actions/devices", Fixture, NULL, fixture_setup, test_devices, fixture_teardown);
  return g_test_run ();
}

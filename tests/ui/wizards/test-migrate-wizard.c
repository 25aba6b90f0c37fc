/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Migrate wizard across pools: two simulators ("demo" and "demo2"),
 * a connection to each, the wizard driven through its widgets. */

#include "config.h"

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "sim-fixture.h"
#include "../ui-util.h"
#include "xapi-cache.h"
#include "xp-migrate-wizard.h"

#define TIMEOUT_MS 30000

typedef struct {
  XapiSim        *sim;    /* destination: demo */
  XapiSim        *sim2;   /* source: demo2 */
  XapiConnection *conn;
  XapiConnection *conn2;
  GListStore     *conns;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (!xp_test_have_sim_and_display ())
    return;
  f->sim = xapi_sim_start ("--scenario", "demo", "--time-scale", "0.02", NULL);
  f->sim2 = xapi_sim_start ("--scenario", "demo2", "--time-scale", "0.02", NULL);
  f->conn = xapi_test_connect_pinned (f->sim, NULL, "secret");
  f->conn2 = xapi_test_connect_pinned (f->sim2, NULL, "secret");
  f->conns = g_list_store_new (XAPI_TYPE_CONNECTION);
  g_list_store_append (f->conns, f->conn);
  g_list_store_append (f->conns, f->conn2);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->conns);
  g_clear_pointer (&f->conn, xapi_test_connection_close);
  g_clear_pointer (&f->conn2, xapi_test_connection_close);
  g_clear_pointer (&f->sim, xapi_sim_stop);
  g_clear_pointer (&f->sim2, xapi_sim_stop);
}

static void
find_all_named (GtkWidget  *root,
                const char *name,
                GPtrArray  *out)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    g_ptr_array_add (out, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    find_all_named (c, name, out);
}

typedef struct {
  gboolean done;
  char    *host_ref;
  char    *error;
} Finished;

static void
on_finished (GtkWindow  *w,
             const char *host_ref,
             const char *error,
             Finished   *fin)
{
  fin->done = TRUE;
  fin->host_ref = g_strdup (host_ref);
  fin->error = g_strdup (error);
}

static gboolean
is_done (gpointer data)
{
  return ((Finished *) data)->done;
}

static XapiVm *
find_vm_by_name (XapiConnection *conn,
                 const char     *name)
{
  GListModel *vms = xapi_cache_get_objects (xapi_connection_get_cache (conn), XAPI_TYPE_VM);

  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);
      if (g_strcmp0 (xapi_vm_get_name_label (vm), name) == 0 && !xapi_object_is_gone (XAPI_OBJECT (vm)))
        return vm;  /* the cache keeps it alive */
    }
  return NULL;
}

typedef struct { XapiConnection *conn; const char *name; gboolean want; } VmWait;

static gboolean
vm_presence (gpointer data)
{
  VmWait *w = data;
  return (find_vm_by_name (w->conn, w->name) != NULL) == w->want;
}

static const char *
row_reason (GtkListBoxRow *row)
{
  return gtk_label_get_text (g_object_get_data (G_OBJECT (row), "reason"));
}

static gboolean
hosts_checked (gpointer data)
{
  GtkListBox *list = data;
  GtkListBoxRow *row;
  int n = 0;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (list, i)) != NULL; i++, n++)
    if (g_str_has_suffix (row_reason (row), "…"))
      return FALSE;
  return n > 0;
}

static GtkListBoxRow *
host_row (GtkWindow  *wiz,
          const char *host_ref)
{
  GtkListBox *list = GTK_LIST_BOX (xp_test_get (wiz, "host-list"));
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (list, i)) != NULL; i++)
    if (g_strcmp0 (xapi_object_get_ref (g_object_get_data (G_OBJECT (row), "host")), host_ref) == 0)
      return row;
  return NULL;
}

/* A raw call to @sim as root; the result, or NULL on an error. */
/* Drive the wizard for @vm_name of demo2 to the "demo" pool, first host
 * that can take it, default mappings, up to the summary page. */
static GtkWindow *
wizard_to_summary (Fixture     *f,
                   const char  *vm_name,
                   Finished    *fin,
                   char       **host_ref,
                   char       **sr_ref)
{
  XapiVm *vm = find_vm_by_name (f->conn2, vm_name);
  GtkWindow *wiz;
  GtkWidget *next;
  GtkListBox *list;
  GtkListBoxRow *row, *chosen = NULL;
  g_autoptr(GPtrArray) srs = g_ptr_array_new ();
  g_autoptr(GPtrArray) nets = g_ptr_array_new ();
  guint n_own = 0, n_other = 0;

  g_assert_nonnull (vm);
  wiz = xp_migrate_wizard_new_full (NULL, vm, G_LIST_MODEL (f->conns), NULL);
  g_signal_connect (wiz, "finished", G_CALLBACK (on_finished), fin);
  gtk_window_present (wiz);
  next = xp_test_get (wiz, "next-button");
  list = GTK_LIST_BOX (xp_test_get (wiz, "host-list"));

  g_assert_false (gtk_widget_get_sensitive (next));
  g_assert_true (xapi_test_wait_for (hosts_checked, list, TIMEOUT_MS));

  /* the servers of both pools, the VM's own first; those of the other
   * pool each checked by VM.assert_can_migrate */
  for (int i = 0; (row = gtk_list_box_get_row_at_index (list, i)) != NULL; i++)
    {
      XapiHost *h = g_object_get_data (G_OBJECT (row), "host");

      if (xapi_object_get_connection (XAPI_OBJECT (h)) == f->conn2)
        {
          g_assert_cmpuint (n_other, ==, 0);
          n_own++;
          continue;
        }
      g_assert_true (xapi_object_get_connection (XAPI_OBJECT (h)) == f->conn);
      n_other++;
      if (chosen == NULL && gtk_list_box_row_get_selectable (row))
        chosen = row;
    }
  g_assert_cmpuint (n_own, ==, 1);
  g_assert_cmpuint (n_other, ==, 3);
  /* lab-host is where the VM runs */
  g_assert_false (gtk_list_box_row_get_selectable (gtk_list_box_get_row_at_index (list, 0)));
  g_assert_nonnull (chosen);
  g_assert_cmpstr (row_reason (chosen), ==, "Can take the VM");
  *host_ref = g_strdup (xapi_object_get_ref (g_object_get_data (G_OBJECT (chosen), "host")));
  gtk_list_box_select_row (list, chosen);
  g_assert_true (gtk_widget_get_sensitive (next));
  g_signal_emit_by_name (next, "clicked");

  /* storage: one SR chooser per disk, the pool's default SR preselected */
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (gtk_widget_get_ancestor (xp_test_get (wiz, "storage-box"),
                                                                                         GTK_TYPE_STACK))),
                   ==, "storage");
  find_all_named (xp_test_get (wiz, "storage-box"), "sr-dropdown", srs);
  g_assert_cmpuint (srs->len, >=, 1);
  {
    XapiObject *pool = xapi_cache_get_pool (xapi_connection_get_cache (f->conn));
    g_autoptr(JsonObject) sr = xapi_sim_raw_record (f->sim, "SR", xapi_pool_get_default_sr (XAPI_POOL (pool)));
    for (guint i = 0; i < srs->len; i++)
      {
        GtkStringObject *item = gtk_drop_down_get_selected_item (srs->pdata[i]);
        g_assert_nonnull (item);
        g_assert_true (g_str_has_prefix (gtk_string_object_get_string (item),
                                         json_object_get_string_member (sr, "name_label")));
      }
    *sr_ref = g_strdup (xapi_pool_get_default_sr (XAPI_POOL (pool)));
  }
  g_assert_true (gtk_widget_get_sensitive (next));
  g_signal_emit_by_name (next, "clicked");

  /* networking: one network chooser per VIF and the migration network */
  find_all_named (xp_test_get (wiz, "network-box"), "network-dropdown", nets);
  g_assert_cmpuint (nets->len, ==, g_strv_length ((char **) xapi_vm_get_vifs (vm)));
  for (guint i = 0; i < nets->len; i++)
    g_assert_cmpuint (gtk_drop_down_get_selected (nets->pdata[i]), !=, GTK_INVALID_LIST_POSITION);
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (xp_test_get (wiz, "migration-network"))), !=,
                    GTK_INVALID_LIST_POSITION);
  g_assert_true (gtk_widget_get_sensitive (next));
  g_signal_emit_by_name (next, "clicked");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "summary-label"))), vm_name));
  return wiz;
}

static void
test_cross_pool (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  g_autofree char *host_ref = NULL;
  g_autofree char *sr_ref = NULL;
  g_autofree char *old_ref = NULL;
  GtkWindow *wiz;
  const char *new_ref;
  guint vdis_before;

  if (f->sim == NULL)
    return;
  old_ref = g_strdup (xapi_object_get_ref (XAPI_OBJECT (find_vm_by_name (f->conn2, "lab-debian"))));
  vdis_before = xapi_sim_raw_count (f->sim, "VDI.get_all");
  wiz = wizard_to_summary (f, "lab-debian", &fin, &host_ref, &sr_ref);
  g_signal_emit_by_name (xp_test_get (wiz, "next-button"), "clicked");  /* Migrate */
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_null (fin.error);
  g_assert_cmpstr (fin.host_ref, ==, host_ref);
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (xp_test_get (wiz, "progress"))), ==, 1.0);

  /* gone from its pool, running in the other one on the chosen server */
  {
    VmWait gone = { f->conn2, "lab-debian", FALSE };
    VmWait there = { f->conn, "lab-debian", TRUE };
    g_assert_true (xapi_test_wait_for (vm_presence, &gone, TIMEOUT_MS));
    g_assert_true (xapi_test_wait_for (vm_presence, &there, TIMEOUT_MS));
  }
  {
    g_autofree char *arg = g_strdup_printf ("\"%s\"", old_ref);
    g_autoptr(JsonNode) gone = xapi_sim_raw_result (f->sim2, "VM.get_record", arg);
    g_assert_null (gone);  /* HANDLE_INVALID */
  }
  new_ref = xp_migrate_wizard_get_result_ref (XP_MIGRATE_WIZARD (wiz));
  g_assert_nonnull (new_ref);
  {
    g_autoptr(JsonObject) rec = xapi_sim_raw_record (f->sim, "VM", new_ref);
    JsonArray *vbds = json_object_get_array_member (rec, "VBDs");
    guint disks = 0;

    g_assert_cmpstr (json_object_get_string_member (rec, "name_label"), ==, "lab-debian");
    g_assert_cmpstr (json_object_get_string_member (rec, "power_state"), ==, "Running");
    g_assert_cmpstr (json_object_get_string_member (rec, "resident_on"), ==, host_ref);
    for (guint i = 0; i < json_array_get_length (vbds); i++)
      {
        g_autoptr(JsonObject) vbd = xapi_sim_raw_record (f->sim, "VBD", json_array_get_string_element (vbds, i));
        if (g_strcmp0 (json_object_get_string_member (vbd, "type"), "Disk") == 0)
          {
            g_autoptr(JsonObject) vdi = xapi_sim_raw_record (f->sim, "VDI", json_object_get_string_member (vbd, "VDI"));
            g_assert_cmpstr (json_object_get_string_member (vdi, "SR"), ==, sr_ref);
            disks++;
          }
      }
    g_assert_cmpuint (disks, >=, 1);
    g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VDI.get_all"), ==, vdis_before + disks);
  }
  gtk_window_destroy (wiz);
  g_free (fin.host_ref);
}

static void
test_cross_pool_failure (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  g_autofree char *host_ref = NULL;
  g_autofree char *sr_ref = NULL;
  GtkWindow *wiz;
  guint vms_before, vdis_before;

  if (f->sim == NULL)
    return;
  vms_before = xapi_sim_raw_count (f->sim, "VM.get_all");
  vdis_before = xapi_sim_raw_count (f->sim, "VDI.get_all");
  wiz = wizard_to_summary (f, "lab-router", &fin, &host_ref, &sr_ref);
  /* the destination fails half-way: the disks are there, the VIF is not */
  {
    g_autoptr(JsonNode) r = xapi_sim_control (f->sim, "/fail-next",
                                              "{\"method\":\"VIF.create\",\"error\":[\"INTERNAL_ERROR\",\"injected\"]}");
  }
  g_signal_emit_by_name (xp_test_get (wiz, "next-button"), "clicked");  /* Migrate */
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_nonnull (fin.error);
  g_assert_nonnull (strstr (fin.error, "injected"));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "status-label"))), "stays where it was"));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (xp_test_get (wiz, "cancel-button"))), ==, "_Close");

  /* nothing left on the destination, the VM still runs at home */
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VM.get_all"), ==, vms_before);
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VDI.get_all"), ==, vdis_before);
  {
    XapiVm *vm = find_vm_by_name (f->conn2, "lab-router");
    g_autoptr(JsonObject) rec = NULL;

    g_assert_nonnull (vm);
    rec = xapi_sim_raw_record (f->sim2, "VM", xapi_object_get_ref (XAPI_OBJECT (vm)));
    g_assert_cmpstr (json_object_get_string_member (rec, "power_state"), ==, "Running");
    g_assert_cmpuint (json_object_get_size (json_object_get_object_member (rec, "current_operations")), ==, 0);
  }
  gtk_window_destroy (wiz);
  g_free (fin.error);
}

static gboolean
status_moving (gpointer data)
{
  GtkWindow *wiz = data;
  return strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "status-label"))), "Moving") != NULL;
}

/* Cancel while the VM moves: the task is cancelled, the destination rolled
 * back, the VM stays. */
static void
test_cross_pool_cancel (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  g_autofree char *host_ref = NULL;
  g_autofree char *sr_ref = NULL;
  GtkWindow *wiz;
  guint vms_before, vdis_before;

  if (f->sim == NULL)
    return;
  vms_before = xapi_sim_raw_count (f->sim, "VM.get_all");
  vdis_before = xapi_sim_raw_count (f->sim, "VDI.get_all");
  wiz = wizard_to_summary (f, "lab-debian", &fin, &host_ref, &sr_ref);
  /* every call to the destination takes a while: time to cancel */
  {
    g_autoptr(JsonNode) r = xapi_sim_control (f->sim, "/delay", "{\"ms\":400,\"count\":0}");
  }
  g_signal_emit_by_name (xp_test_get (wiz, "next-button"), "clicked");  /* Migrate */
  g_assert_true (xapi_test_wait_for (status_moving, wiz, TIMEOUT_MS));
  g_signal_emit_by_name (xp_test_get (wiz, "cancel-button"), "clicked");
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  {
    g_autoptr(JsonNode) r = xapi_sim_control (f->sim, "/delay", "{\"ms\":0,\"count\":1}");
  }
  g_assert_nonnull (fin.error);
  g_assert_nonnull (strstr (fin.error, "cancelled"));
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VM.get_all"), ==, vms_before);
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VDI.get_all"), ==, vdis_before);
  g_assert_nonnull (find_vm_by_name (f->conn2, "lab-debian"));
  gtk_window_destroy (wiz);
  g_free (fin.error);
}

/* A preset destination (drag and drop of a VM onto a host of another
 * pool): the wizard opens on that pool and selects the host once the
 * check said yes. */
static gboolean
has_selection (gpointer data)
{
  return gtk_list_box_get_selected_row (data) != NULL;
}

static void
test_preset_host (Fixture *f, gconstpointer data)
{
  XapiVm *vm;
  GListModel *hosts;
  g_autoptr(XapiHost) target = NULL;
  GtkWindow *wiz;
  GtkListBox *list;

  if (f->sim == NULL)
    return;
  vm = find_vm_by_name (f->conn2, "lab-debian");
  hosts = xapi_cache_get_objects (xapi_connection_get_cache (f->conn), XAPI_TYPE_HOST);
  target = g_list_model_get_item (hosts, g_list_model_get_n_items (hosts) - 1);
  wiz = xp_migrate_wizard_new_full (NULL, vm, G_LIST_MODEL (f->conns), target);
  gtk_window_present (wiz);
  list = GTK_LIST_BOX (xp_test_get (wiz, "host-list"));
  g_assert_true (xapi_test_wait_for (has_selection, list, TIMEOUT_MS));
  g_assert_true (gtk_list_box_get_selected_row (list) == host_row (wiz, xapi_object_get_ref (XAPI_OBJECT (target))));
  g_assert_true (gtk_widget_get_sensitive (xp_test_get (wiz, "next-button")));
  gtk_window_destroy (wiz);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add ("/wizards/migrate/cross-pool", Fixture, NULL, fixture_setup, test_cross_pool, fixture_teardown);
  g_test_add ("/wizards/migrate/cross-pool-failure", Fixture, NULL, fixture_setup, test_cross_pool_failure,
              fixture_teardown);
  g_test_add ("/wizards/migrate/cross-pool-cancel", Fixture, NULL, fixture_setup, test_cross_pool_cancel,
              fixture_teardown);
  g_test_add ("/wizards/migrate/preset-host", Fixture, NULL, fixture_setup, test_preset_host, fixture_teardown);
  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Wizards driven through their widgets against xapi-sim. */

#include "config.h"

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "sim-fixture.h"
#include "../ui-util.h"
#include "xapi-cache.h"
#include "xp-new-vm-wizard.h"
#include "xp-migrate-wizard.h"
#include "xp-new-network-wizard.h"
#include "xp-new-sr-wizard.h"
#include "xp-ha-wizard.h"
#include "xp-wizard-actions.h"

#define TIMEOUT_MS 20000

typedef struct {
  XapiSim        *sim;
  XapiConnection *conn;
} Fixture;

static gboolean
conn_is_connected (gpointer data)
{
  return xapi_connection_get_state (data) == XAPI_CONNECTION_STATE_CONNECTED;
}

static gboolean
have_prerequisites (void)
{
  if (!xp_test_have_sim_and_display ())
    return FALSE;
  return TRUE;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (!have_prerequisites ())
    return;
  f->sim = xapi_sim_start ("--scenario", "demo", "--time-scale", "0.02", NULL);
  f->conn = xapi_test_connect_pinned (f->sim, NULL, "secret");
  g_assert_true (conn_is_connected (f->conn));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->conn, xapi_test_connection_close);
  g_clear_pointer (&f->sim, xapi_sim_stop);
}

typedef struct {
  gboolean done;
  char    *vm_ref;
  char    *error;
} Finished;

static void
on_finished (GtkWindow  *w,
             const char *vm_ref,
             const char *error,
             Finished   *fin)
{
  fin->done = TRUE;
  fin->vm_ref = g_strdup (vm_ref);
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

static gboolean
vm_settled (gpointer data)
{
  XapiVm *vm = data;
  const gint64 gib = (gint64) 1024 * 1024 * 1024;

  return !xapi_vm_get_is_a_template (vm) && xapi_vm_get_vcpus_at_startup (vm) == 4
         && xapi_vm_get_vcpus_max (vm) == 4 && xapi_vm_get_memory_static_max (vm) == gib * 3 / 2
         && xapi_vm_get_memory_dynamic_max (vm) == gib * 3 / 2 && xapi_vm_get_memory_dynamic_min (vm) == gib
         && g_strcmp0 (xapi_vm_get_name_description (vm), "made by the wizard") == 0;
}

/* A raw call to the simulator, independent of the connection under test;
 * @args_json is the JSON text of the arguments after the session. */
/* Disk VBDs of a VM in the simulator, each with an existing VDI. */
static guint
count_disks (Fixture    *f,
             JsonObject *vm)
{
  JsonArray *vbds = json_object_get_array_member (vm, "VBDs");
  guint disks = 0;

  for (guint i = 0; i < json_array_get_length (vbds); i++)
    {
      g_autoptr(JsonObject) vbd = xapi_sim_raw_record (f->sim, "VBD", json_array_get_string_element (vbds, i));
      const char *vdi = json_object_get_string_member (vbd, "VDI");

      if (g_strcmp0 (json_object_get_string_member (vbd, "type"), "Disk") != 0)
        continue;
      g_assert_cmpstr (vdi, !=, "OpaqueRef:NULL");
      json_object_unref (xapi_sim_raw_record (f->sim, "VDI", vdi));
      disks++;
    }
  return disks;
}

typedef struct { GtkListBox *list; const char *needle; GtkListBoxRow *row; } FilterWait;

/* TRUE once every visible row matches the needle and one is visible. */
static gboolean
search_applied (gpointer data)
{
  FilterWait *w = data;
  g_autofree char *n = g_utf8_casefold (w->needle, -1);
  GtkListBoxRow *row;

  w->row = NULL;
  for (int i = 0; (row = gtk_list_box_get_row_at_index (w->list, i)) != NULL; i++)
    {
      XapiVm *vm = g_object_get_data (G_OBJECT (row), "vm");
      g_autofree char *hay = g_utf8_casefold (xapi_vm_get_name_label (vm), -1);

      if (!gtk_widget_get_child_visible (GTK_WIDGET (row)))
        continue;
      if (strstr (hay, n) == NULL)
        return FALSE;
      if (w->row == NULL)
        w->row = row;
    }
  return w->row != NULL;
}

/* Select the first template whose name contains @needle through the search. */
static void
choose_template (GtkWindow *wiz, const char *needle)
{
  GtkListBox *list = GTK_LIST_BOX (xp_test_get (wiz, "template-list"));
  GtkWidget *next = xp_test_get (wiz, "next-button");
  GtkListBoxRow *row = NULL;

  g_assert_false (gtk_widget_get_sensitive (next));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "hint-label"))), !=, "");
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "template-search")), needle);
  /* the search entry filters after a short delay: wait until it did */
  {
    FilterWait w = { list, needle, NULL };
    g_assert_true (xapi_test_wait_for (search_applied, &w, TIMEOUT_MS));
    row = w.row;
  }
  gtk_list_box_select_row (list, row);
  g_assert_true (gtk_widget_get_sensitive (next));
}

/* Select the network named @name in the New VM wizard; returns its ref. */
static void find_all_named (GtkWidget *root, const char *name, GPtrArray *out);

/* The network drop-down of the interface at @index (device @index). */
static const char *
select_network (Fixture    *f,
                GtkWindow  *wiz,
                guint       index,
                const char *name)
{
  g_autoptr(GPtrArray) dds = g_ptr_array_new ();
  GtkDropDown *dd;
  GListModel *model;
  GListModel *nets = xapi_cache_get_objects (xapi_connection_get_cache (f->conn), XAPI_TYPE_NETWORK);

  find_all_named (xp_test_get (wiz, "vifs-box"), "vif-network", dds);
  g_assert_cmpuint (index, <, dds->len);
  dd = dds->pdata[index];
  model = gtk_drop_down_get_model (dd);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (model), i), name) == 0)
      gtk_drop_down_set_selected (dd, i);
  g_assert_cmpstr (gtk_string_object_get_string (gtk_drop_down_get_selected_item (dd)), ==, name);
  for (guint i = 0; i < g_list_model_get_n_items (nets); i++)
    {
      g_autoptr(XapiNetwork) net = g_list_model_get_item (nets, i);
      if (g_strcmp0 (xapi_network_get_name_label (net), name) == 0)
        return xapi_object_get_ref (XAPI_OBJECT (net));  /* the cache keeps it alive */
    }
  g_assert_not_reached ();
}

static const char *
visible_page (GtkWindow *wiz)
{
  GtkStack *stack = GTK_STACK (gtk_widget_get_ancestor (xp_test_get (wiz, "summary-label"), GTK_TYPE_STACK));

  return gtk_stack_get_visible_child_name (stack);
}

/* Next until the wizard shows @page (pages are skipped by template). */
static void
next_until (GtkWindow  *wiz,
            const char *page)
{
  GtkWidget *next = xp_test_get (wiz, "next-button");

  for (int i = 0; i < 10 && g_strcmp0 (visible_page (wiz), page) != 0; i++)
    {
      g_assert_true (gtk_widget_get_sensitive (next));
      g_signal_emit_by_name (next, "clicked");
    }
  g_assert_cmpstr (visible_page (wiz), ==, page);
}

/* The ref behind the label of a drop-down item "NAME (… free)" or "NAME". */
static const char *
ref_by_name (XapiConnection *conn,
             GType           type,
             const char     *label)
{
  GListModel *objs = xapi_cache_get_objects (xapi_connection_get_cache (conn), type);

  for (guint i = 0; i < g_list_model_get_n_items (objs); i++)
    {
      g_autoptr(XapiObject) o = g_list_model_get_item (objs, i);
      g_autofree char *name = NULL;

      g_object_get (o, "name-label", &name, NULL);
      if (g_strcmp0 (name, label) == 0
          || (g_str_has_prefix (label, name) && g_str_has_prefix (label + strlen (name), " (")))
        return xapi_object_get_ref (o);  /* the cache keeps it alive */
    }
  return NULL;
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

static void
test_new_vm_create (Fixture *f, gconstpointer data)
{
  GtkWindow *wiz;
  GtkWidget *next;
  Finished fin = { 0 };
  XapiVm *vm;
  guint vdis_before, vifs_before;
  const char *net_ref, *net2_ref;
  const char *iso_ref, *default_sr, *other_sr;
  g_autofree char *home_ref = NULL;
  g_autofree char *home_name = NULL;

  if (f->sim == NULL)
    return;
  vdis_before = xapi_sim_raw_count (f->sim, "VDI.get_all");
  wiz = xp_new_vm_wizard_new (NULL, f->conn, NULL);
  g_signal_connect (wiz, "finished", G_CALLBACK (on_finished), &fin);
  gtk_window_present (wiz);
  next = xp_test_get (wiz, "next-button");

  vifs_before = xapi_sim_raw_count (f->sim, "VIF.get_all");
  choose_template (wiz, "bookworm");
  g_signal_emit_by_name (next, "clicked");
  /* name page: empty name blocks Next, with a reason */
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "name-entry")), "  ");
  g_assert_false (gtk_widget_get_sensitive (next));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "hint-label"))), !=, "");
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "name-entry")), "wiz-vm-1");
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "description-entry")), "made by the wizard");
  g_assert_true (gtk_widget_get_sensitive (next));
  g_signal_emit_by_name (next, "clicked");

  /* an install template: installation media, from an ISO */
  g_assert_cmpstr (visible_page (wiz), ==, "media");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (xp_test_get (wiz, "media-iso")), TRUE);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (xp_test_get (wiz, "iso-dropdown")), 1);
  iso_ref = ref_by_name (f->conn, XAPI_TYPE_VDI,
                         gtk_string_object_get_string (gtk_drop_down_get_selected_item (GTK_DROP_DOWN (xp_test_get (wiz, "iso-dropdown")))));
  g_assert_nonnull (iso_ref);
  g_signal_emit_by_name (next, "clicked");

  /* disks: the template's provision spec (one 10 GiB disk), resized, on
   * another SR, plus a new disk */
  g_assert_cmpstr (visible_page (wiz), ==, "disks");
  {
    g_autoptr(GPtrArray) sizes = g_ptr_array_new ();
    g_autoptr(GPtrArray) srs = g_ptr_array_new ();

    find_all_named (xp_test_get (wiz, "disks-box"), "disk-size", sizes);
    find_all_named (xp_test_get (wiz, "disks-box"), "disk-sr", srs);
    g_assert_cmpuint (sizes->len, ==, 1);
    g_assert_cmpint (gtk_spin_button_get_value_as_int (sizes->pdata[0]), ==, 10);
    default_sr = ref_by_name (f->conn, XAPI_TYPE_SR,
                              gtk_string_object_get_string (gtk_drop_down_get_selected_item (srs->pdata[0])));
    g_assert_cmpstr (default_sr, ==, xapi_pool_get_default_sr (XAPI_POOL (xapi_cache_get_pool (xapi_connection_get_cache (f->conn)))));
    gtk_spin_button_set_value (sizes->pdata[0], 12);
    gtk_drop_down_set_selected (srs->pdata[0], 1);
    other_sr = ref_by_name (f->conn, XAPI_TYPE_SR,
                            gtk_string_object_get_string (gtk_drop_down_get_selected_item (srs->pdata[0])));
    g_assert_nonnull (other_sr);
    g_assert_cmpstr (other_sr, !=, default_sr);
    g_signal_emit_by_name (xp_test_get (wiz, "add-disk"), "clicked");
    g_ptr_array_set_size (sizes, 0);
    find_all_named (xp_test_get (wiz, "disks-box"), "disk-size", sizes);
    g_assert_cmpuint (sizes->len, ==, 2);
    gtk_spin_button_set_value (sizes->pdata[1], 3);
    /* a third one, removed again */
    g_signal_emit_by_name (xp_test_get (wiz, "add-disk"), "clicked");
    {
      g_autoptr(GPtrArray) removes = g_ptr_array_new ();
      find_all_named (xp_test_get (wiz, "disks-box"), "disk-remove", removes);
      g_assert_cmpuint (removes->len, ==, 3);
      g_signal_emit_by_name (removes->pdata[2], "clicked");
    }
  }
  g_signal_emit_by_name (next, "clicked");
  g_assert_cmpstr (visible_page (wiz), ==, "hardware");
  /* a home server: the first one after "None (any server)" */
  {
    GtkDropDown *home = GTK_DROP_DOWN (xp_test_get (wiz, "home-dropdown"));
    GListModel *hosts = xapi_cache_get_objects (xapi_connection_get_cache (f->conn), XAPI_TYPE_HOST);

    g_assert_cmpuint (gtk_drop_down_get_selected (home), ==, 0);
    g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (home)), >, 1);
    gtk_drop_down_set_selected (home, 1);
    home_name = g_strdup (gtk_string_object_get_string (gtk_drop_down_get_selected_item (home)));
    for (guint i = 0; i < g_list_model_get_n_items (hosts); i++)
      {
        g_autoptr(XapiHost) host = g_list_model_get_item (hosts, i);
        if (g_strcmp0 (xapi_host_get_name_label (host), home_name) == 0)
          home_ref = g_strdup (xapi_object_get_ref (XAPI_OBJECT (host)));
      }
    g_assert_nonnull (home_ref);
  }
  /* invalid input blocks Next with a reason, checked as the user types */
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "cores-spin")), "2");
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "vcpus-spin")), "3");
  g_assert_false (gtk_widget_get_sensitive (next));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "hint-label"))), "multiple"));
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "vcpus-spin")), "4");
  g_assert_true (gtk_widget_get_sensitive (next));
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "memory-spin")), "1536");
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "memory-min-spin")), "2048");
  g_assert_false (gtk_widget_get_sensitive (next));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "hint-label"))), "Minimum memory"));
  /* below the template's static minimum (1 GiB) */
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "memory-min-spin")), "512");
  g_assert_false (gtk_widget_get_sensitive (next));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "hint-label"))), "minimum"));
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "memory-min-spin")), "1024");
  g_assert_true (gtk_widget_get_sensitive (next));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "hint-label"))), ==, "");
  /* network interfaces: the template's, replaced by two on different networks */
  {
    g_autoptr(GPtrArray) removes = g_ptr_array_new ();

    find_all_named (xp_test_get (wiz, "vifs-box"), "vif-remove", removes);
    g_assert_cmpuint (removes->len, >=, 1);
    for (guint i = 0; i < removes->len; i++)
      g_signal_emit_by_name (removes->pdata[i], "clicked");
    g_ptr_array_set_size (removes, 0);
    find_all_named (xp_test_get (wiz, "vifs-box"), "vif-remove", removes);
    g_assert_cmpuint (removes->len, ==, 0);
  }
  g_signal_emit_by_name (xp_test_get (wiz, "add-vif"), "clicked");
  g_signal_emit_by_name (xp_test_get (wiz, "add-vif"), "clicked");
  net_ref = select_network (f, wiz, 0, "Bond 2+3");
  net2_ref = select_network (f, wiz, 1, "Pool-wide network associated with eth1");
  g_assert_cmpstr (net2_ref, !=, net_ref);
  g_signal_emit_by_name (next, "clicked");
  g_assert_cmpstr (visible_page (wiz), ==, "summary");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "summary-label"))), "wiz-vm-1"));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "summary-label"))), "Bond 2+3"));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "summary-label"))), home_name));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "summary-label"))), "2 cores per socket"));
  g_signal_emit_by_name (next, "clicked");  /* Create */

  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_null (fin.error);
  g_assert_nonnull (fin.vm_ref);
  {
    VmWait w = { f->conn, "wiz-vm-1", TRUE };
    g_assert_true (xapi_test_wait_for (vm_presence, &w, TIMEOUT_MS));
  }
  vm = find_vm_by_name (f->conn, "wiz-vm-1");
  g_assert_cmpstr (xapi_object_get_ref (XAPI_OBJECT (vm)), ==, fin.vm_ref);
  g_assert_true (xapi_test_wait_for (vm_settled, vm, TIMEOUT_MS));
  g_assert_false (xapi_vm_get_is_a_template (vm));
  g_assert_cmpstr (xapi_vm_get_name_description (vm), ==, "made by the wizard");
  g_assert_cmpint (xapi_vm_get_vcpus_max (vm), ==, 4);
  g_assert_cmpint (xapi_vm_get_vcpus_at_startup (vm), ==, 4);
  g_assert_cmpint (xapi_vm_get_memory_static_max (vm), ==, (gint64) 1536 * 1024 * 1024);
  g_assert_cmpint (xapi_vm_get_memory_dynamic_max (vm), ==, (gint64) 1536 * 1024 * 1024);
  g_assert_cmpint (xapi_vm_get_memory_dynamic_min (vm), ==, (gint64) 1024 * 1024 * 1024);
  /* the simulator agrees, and the template's disks were provisioned as new
   * VDIs while its VIFs came along with the clone */
  {
    g_autoptr(JsonObject) rec = xapi_sim_raw_record (f->sim, "VM", fin.vm_ref);
    guint disks;

    g_assert_cmpstr (json_object_get_string_member (rec, "name_label"), ==, "wiz-vm-1");
    g_assert_false (json_object_get_boolean_member (rec, "is_a_template"));
    g_assert_cmpint (json_object_get_int_member (rec, "VCPUs_max"), ==, 4);
    g_assert_cmpint (json_object_get_int_member (rec, "VCPUs_at_startup"), ==, 4);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (rec, "platform"),
                                                    "cores-per-socket"), ==, "2");
    g_assert_cmpstr (json_object_get_string_member (rec, "affinity"), ==, home_ref);
    g_assert_cmpint (json_object_get_int_member (rec, "memory_static_min"), ==, (gint64) 1024 * 1024 * 1024);
    g_assert_cmpint (json_object_get_int_member (rec, "memory_static_max"), ==, (gint64) 1536 * 1024 * 1024);
    g_assert_cmpint (json_object_get_int_member (rec, "memory_dynamic_max"), ==, (gint64) 1536 * 1024 * 1024);
    g_assert_cmpint (json_object_get_int_member (rec, "memory_dynamic_min"), ==, (gint64) 1024 * 1024 * 1024);
    g_assert_cmpstr (json_object_get_string_member (rec, "power_state"), ==, "Halted");
    disks = count_disks (f, rec);
    g_assert_cmpuint (disks, ==, 2);
    g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VDI.get_all"), ==, vdis_before + disks);
    /* each disk as the disks page said, and the ISO in the CD drive */
    {
      JsonArray *vbds = json_object_get_array_member (rec, "VBDs");
      guint seen = 0;

      for (guint i = 0; i < json_array_get_length (vbds); i++)
        {
          g_autoptr(JsonObject) vbd = xapi_sim_raw_record (f->sim, "VBD", json_array_get_string_element (vbds, i));
          const char *dev = json_object_get_string_member (vbd, "userdevice");
          const char *vdi_ref = json_object_get_string_member (vbd, "VDI");

          if (g_strcmp0 (json_object_get_string_member (vbd, "type"), "CD") == 0)
            {
              g_assert_cmpstr (vdi_ref, ==, iso_ref);
              g_assert_false (json_object_get_boolean_member (vbd, "empty"));
              g_assert_cmpstr (dev, ==, "3");
              seen |= 4;
              continue;
            }
          {
            g_autoptr(JsonObject) vdi = xapi_sim_raw_record (f->sim, "VDI", vdi_ref);
            gint64 size = json_object_get_int_member (vdi, "virtual_size");
            const char *sr = json_object_get_string_member (vdi, "SR");

            if (g_strcmp0 (dev, "0") == 0)
              {
                g_assert_cmpint (size, ==, (gint64) 12 << 30);
                g_assert_cmpstr (sr, ==, other_sr);
                g_assert_true (json_object_get_boolean_member (vbd, "bootable"));
                seen |= 1;
              }
            else
              {
                g_assert_cmpstr (dev, ==, "1");
                g_assert_cmpint (size, ==, (gint64) 3 << 30);
                g_assert_cmpstr (sr, ==, default_sr);
                seen |= 2;
              }
          }
        }
      g_assert_cmpuint (seen, ==, 7);
      g_assert_false (json_object_has_member (json_object_get_object_member (rec, "other_config"), "disks"));
      if (*json_object_get_string_member (rec, "HVM_boot_policy") != '\0')
        g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (rec, "HVM_boot_params"), "order"),
                         ==, "dcn");
    }
    /* two VIFs, device 0 and 1 on the networks chosen, not the template's */
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (rec, "VIFs")), ==, 2);
    {
      guint seen = 0;

      for (guint i = 0; i < 2; i++)
        {
          g_autoptr(JsonObject) vif = xapi_sim_raw_record (f->sim, "VIF", json_array_get_string_element (json_object_get_array_member (rec, "VIFs"), i));
          const char *dev = json_object_get_string_member (vif, "device");

          if (g_strcmp0 (dev, "0") == 0)
            {
              g_assert_cmpstr (json_object_get_string_member (vif, "network"), ==, net_ref);
              seen |= 1;
            }
          else
            {
              g_assert_cmpstr (dev, ==, "1");
              g_assert_cmpstr (json_object_get_string_member (vif, "network"), ==, net2_ref);
              seen |= 2;
            }
        }
      g_assert_cmpuint (seen, ==, 3);
    }
    g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VIF.get_all"), ==, vifs_before + 2);
  }

  gtk_window_destroy (wiz);
  g_free (fin.vm_ref);
  g_free (fin.error);
}

static void
test_new_vm_rollback (Fixture *f, gconstpointer data)
{
  GtkWindow *wiz;
  GtkWidget *next;
  Finished fin = { 0 };
  guint vdis_before, vms_before, vifs_before;
  g_autoptr(JsonNode) reply = NULL;

  if (f->sim == NULL)
    return;
  vdis_before = xapi_sim_raw_count (f->sim, "VDI.get_all");
  vms_before = xapi_sim_raw_count (f->sim, "VM.get_all");
  vifs_before = xapi_sim_raw_count (f->sim, "VIF.get_all");
  reply = xapi_sim_control (f->sim, "/fail-next",
                            "{\"method\":\"VM.set_is_a_template\",\"error\":[\"SR_FULL\",\"x\",\"y\"],\"count\":1}");
  wiz = xp_new_vm_wizard_new (NULL, f->conn, NULL);
  g_signal_connect (wiz, "finished", G_CALLBACK (on_finished), &fin);
  gtk_window_present (wiz);
  next = xp_test_get (wiz, "next-button");
  choose_template (wiz, "bookworm");
  g_signal_emit_by_name (next, "clicked");
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "name-entry")), "wiz-vm-fail");
  next_until (wiz, "summary");
  g_signal_emit_by_name (next, "clicked");

  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_nonnull (fin.error);
  g_assert_null (fin.vm_ref);
  g_assert_nonnull (strstr (fin.error, "turning the clone into a VM"));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "status-label"))), "removed"));
  /* nothing left behind */
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VM.get_all"), ==, vms_before);
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VDI.get_all"), ==, vdis_before);
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VIF.get_all"), ==, vifs_before);
  {
    VmWait w = { f->conn, "wiz-vm-fail", FALSE };
    g_assert_true (xapi_test_wait_for (vm_presence, &w, TIMEOUT_MS));
  }
  gtk_window_destroy (wiz);
  g_free (fin.error);
}

/* A failure in each of the hardware page's steps (home server, cores per
 * socket, a second VIF, the memory minimum) leaves nothing behind. */
static void
test_new_vm_hardware_rollback (Fixture *f, gconstpointer data)
{
  static const struct { const char *method; const char *step; } cases[] = {
    { "VM.set_affinity", "setting the home server" },
    { "VM.add_to_platform", "setting the cores per socket" },
    { "VIF.create", "connecting the network" },
    { "VM.set_memory_dynamic_min", "setting the memory" },
  };

  if (f->sim == NULL)
    return;
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      GtkWindow *wiz;
      GtkWidget *next;
      Finished fin = { 0 };
      guint vdis_before = xapi_sim_raw_count (f->sim, "VDI.get_all");
      guint vms_before = xapi_sim_raw_count (f->sim, "VM.get_all");
      guint vifs_before = xapi_sim_raw_count (f->sim, "VIF.get_all");
      g_autofree char *body = g_strdup_printf ("{\"method\":\"%s\",\"error\":[\"INTERNAL_ERROR\",\"injected\"],"
                                               "\"count\":1}", cases[c].method);
      g_autoptr(JsonNode) reply = xapi_sim_control (f->sim, "/fail-next", body);

      wiz = xp_new_vm_wizard_new (NULL, f->conn, NULL);
      g_signal_connect (wiz, "finished", G_CALLBACK (on_finished), &fin);
      gtk_window_present (wiz);
      next = xp_test_get (wiz, "next-button");
      choose_template (wiz, "bookworm");
      g_signal_emit_by_name (next, "clicked");
      gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "name-entry")), "wiz-vm-hw-fail");
      next_until (wiz, "hardware");
      gtk_drop_down_set_selected (GTK_DROP_DOWN (xp_test_get (wiz, "home-dropdown")), 1);
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (xp_test_get (wiz, "vcpus-spin")), 2);
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (xp_test_get (wiz, "cores-spin")), 2);
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (xp_test_get (wiz, "memory-min-spin")), 1024);
      g_signal_emit_by_name (xp_test_get (wiz, "add-vif"), "clicked");
      next_until (wiz, "summary");
      g_signal_emit_by_name (next, "clicked");
      g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
      g_assert_nonnull (fin.error);
      g_assert_null (fin.vm_ref);
      g_assert_nonnull (strstr (fin.error, cases[c].step));
      g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VM.get_all"), ==, vms_before);
      g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VDI.get_all"), ==, vdis_before);
      g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VIF.get_all"), ==, vifs_before);
      gtk_window_destroy (wiz);
      g_free (fin.error);
    }
}

/* Network boot: an empty CD drive, the network first in the boot order;
 * and a failure while adding the CD drive leaves nothing behind. */
static void
test_new_vm_network_boot (Fixture *f, gconstpointer data)
{
  if (f->sim == NULL)
    return;
  for (int attempt = 0; attempt < 2; attempt++)
    {
      GtkWindow *wiz;
      GtkWidget *next;
      Finished fin = { 0 };
      guint vdis_before = xapi_sim_raw_count (f->sim, "VDI.get_all");
      guint vms_before = xapi_sim_raw_count (f->sim, "VM.get_all");
      guint vbds_before = xapi_sim_raw_count (f->sim, "VBD.get_all");

      if (attempt == 0)
        {
          g_autoptr(JsonNode) reply = xapi_sim_control (f->sim, "/fail-next",
                                                        "{\"method\":\"VBD.create\",\"error\":[\"INTERNAL_ERROR\",\"injected\"],\"count\":1}");
        }
      wiz = xp_new_vm_wizard_new (NULL, f->conn, NULL);
      g_signal_connect (wiz, "finished", G_CALLBACK (on_finished), &fin);
      gtk_window_present (wiz);
      next = xp_test_get (wiz, "next-button");
      choose_template (wiz, "bookworm");
      g_signal_emit_by_name (next, "clicked");
      gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "name-entry")), "wiz-vm-pxe");
      next_until (wiz, "media");
      gtk_check_button_set_active (GTK_CHECK_BUTTON (xp_test_get (wiz, "media-network")), TRUE);
      next_until (wiz, "summary");
      g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "summary-label"))), "network boot"));
      g_signal_emit_by_name (next, "clicked");
      g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
      if (attempt == 0)
        {
          g_assert_nonnull (fin.error);
          g_assert_nonnull (strstr (fin.error, "adding the CD drive"));
          g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VM.get_all"), ==, vms_before);
          g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VDI.get_all"), ==, vdis_before);
          g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VBD.get_all"), ==, vbds_before);
        }
      else
        {
          g_autoptr(JsonObject) rec = NULL;
          JsonArray *vbds;
          gboolean cd = FALSE;

          g_assert_null (fin.error);
          rec = xapi_sim_raw_record (f->sim, "VM", fin.vm_ref);
          vbds = json_object_get_array_member (rec, "VBDs");
          for (guint i = 0; i < json_array_get_length (vbds); i++)
            {
              g_autoptr(JsonObject) vbd = xapi_sim_raw_record (f->sim, "VBD", json_array_get_string_element (vbds, i));
              if (g_strcmp0 (json_object_get_string_member (vbd, "type"), "CD") == 0)
                {
                  g_assert_true (json_object_get_boolean_member (vbd, "empty"));
                  cd = TRUE;
                }
            }
          g_assert_true (cd);
          if (*json_object_get_string_member (rec, "HVM_boot_policy") != '\0')
            g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (rec, "HVM_boot_params"),
                                                            "order"), ==, "ndc");
        }
      gtk_window_destroy (wiz);
      g_free (fin.vm_ref);
      g_free (fin.error);
    }
}

static XapiVm *
find_running_vm (XapiConnection *conn)
{
  GListModel *vms = xapi_cache_get_objects (xapi_connection_get_cache (conn), XAPI_TYPE_VM);

  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);
      if (!xapi_vm_get_is_control_domain (vm) && !xapi_vm_get_is_a_template (vm)
          && xapi_vm_get_power_state (vm) == XAPI_VM_POWER_STATE_RUNNING)
        return vm;  /* the cache keeps it alive */
    }
  return NULL;
}

/* A running VM every host of the pool can run: its disks are all on
 * shared storage (a VM on a host's local SR can only stay there). */
static XapiVm *
find_running_shared_vm (XapiConnection *conn)
{
  XapiCache *cache = xapi_connection_get_cache (conn);
  GListModel *vms = xapi_cache_get_objects (cache, XAPI_TYPE_VM);

  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);
      const char * const *vbds = xapi_vm_get_vbds (vm);
      gboolean shared = TRUE;

      if (xapi_vm_get_is_control_domain (vm) || xapi_vm_get_is_a_template (vm) ||
          xapi_vm_get_power_state (vm) != XAPI_VM_POWER_STATE_RUNNING)
        continue;
      for (guint j = 0; vbds != NULL && vbds[j] != NULL && shared; j++)
        {
          XapiVbd *vbd = xapi_cache_lookup_typed (cache, vbds[j], XAPI_TYPE_VBD);
          XapiVdi *vdi = vbd != NULL && !xapi_vbd_get_empty (vbd)
                         ? xapi_cache_lookup_typed (cache, xapi_vbd_get_vdi (vbd), XAPI_TYPE_VDI) : NULL;
          XapiSr *sr = vdi != NULL ? xapi_cache_lookup_typed (cache, xapi_vdi_get_sr (vdi), XAPI_TYPE_SR) : NULL;

          if (sr != NULL && !xapi_sr_get_shared (sr))
            shared = FALSE;
        }
      if (shared)
        return vm;  /* the cache keeps it alive */
    }
  return NULL;
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

static const char *
row_reason (GtkListBoxRow *row)
{
  return gtk_label_get_text (g_object_get_data (G_OBJECT (row), "reason"));
}

/* TRUE once no row of the host list is still being checked. */
static gboolean
hosts_checked (gpointer data)
{
  GtkListBox *list = data;
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (list, i)) != NULL; i++)
    if (g_str_has_suffix (row_reason (row), "…"))
      return FALSE;
  return TRUE;
}

typedef struct { XapiVm *vm; const char *ref; } ResidentWait;

static gboolean
resident_on (gpointer data)
{
  ResidentWait *w = data;
  return g_strcmp0 (xapi_vm_get_resident_on (w->vm), w->ref) == 0;
}

typedef struct { XapiHost *host; } HostWait;

static gboolean
host_disabled (gpointer data)
{
  return !xapi_host_get_enabled (((HostWait *) data)->host);
}

static void
test_migrate (Fixture *f, gconstpointer data)
{
  XapiCache *cache;
  GListModel *hosts;
  XapiVm *vm;
  const char *from;
  g_autofree char *disabled_ref = NULL;
  g_autofree char *target_ref = NULL;
  GtkWindow *wiz;
  GtkWidget *next;
  Finished fin = { 0 };

  if (f->sim == NULL)
    return;
  cache = xapi_connection_get_cache (f->conn);
  hosts = xapi_cache_get_objects (cache, XAPI_TYPE_HOST);
  g_assert_cmpuint (g_list_model_get_n_items (hosts), >=, 3);
  vm = find_running_shared_vm (f->conn);
  g_assert_nonnull (vm);
  from = xapi_vm_get_resident_on (vm);

  /* disable one of the other servers as another client would */
  for (guint i = 0; i < g_list_model_get_n_items (hosts); i++)
    {
      g_autoptr(XapiHost) h = g_list_model_get_item (hosts, i);
      const char *ref = xapi_object_get_ref (XAPI_OBJECT (h));

      if (g_strcmp0 (ref, from) == 0)
        continue;
      if (disabled_ref == NULL)
        {
          g_autofree char *body = g_strdup_printf ("{\"class\":\"host\",\"ref\":\"%s\",\"field\":\"enabled\",\"value\":false}", ref);
          g_autoptr(JsonNode) reply = xapi_sim_control (f->sim, "/mutate", body);
          HostWait w = { h };

          g_assert_true (xapi_test_wait_for (host_disabled, &w, TIMEOUT_MS));
          disabled_ref = g_strdup (ref);
        }
      else if (target_ref == NULL)
        target_ref = g_strdup (ref);
    }

  wiz = xp_migrate_wizard_new (NULL, vm);
  g_signal_connect (wiz, "finished", G_CALLBACK (on_finished), &fin);
  gtk_window_present (wiz);
  next = xp_test_get (wiz, "next-button");
  g_assert_false (gtk_widget_get_sensitive (next));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "hint-label"))), !=, "");
  g_assert_true (xapi_test_wait_for (hosts_checked, xp_test_get (wiz, "host-list"), TIMEOUT_MS));

  /* each unsuitable server says why and cannot be chosen */
  g_assert_nonnull (strstr (row_reason (host_row (wiz, from)), "running on this server"));
  g_assert_false (gtk_list_box_row_get_selectable (host_row (wiz, from)));
  g_assert_nonnull (strstr (row_reason (host_row (wiz, disabled_ref)), "disabled"));
  g_assert_false (gtk_list_box_row_get_selectable (host_row (wiz, disabled_ref)));
  /* (the reason first: it says why if the server refused the target) */
  g_assert_cmpstr (row_reason (host_row (wiz, target_ref)), ==, "Can take the VM");
  g_assert_true (gtk_list_box_row_get_selectable (host_row (wiz, target_ref)));

  gtk_list_box_select_row (GTK_LIST_BOX (xp_test_get (wiz, "host-list")), host_row (wiz, target_ref));
  g_assert_true (gtk_widget_get_sensitive (next));
  g_signal_emit_by_name (next, "clicked");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "summary-label"))),
                            xapi_vm_get_name_label (vm)));
  g_signal_emit_by_name (next, "clicked");  /* Migrate */

  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_null (fin.error);
  g_assert_cmpstr (fin.vm_ref, ==, target_ref);
  {
    ResidentWait w = { vm, target_ref };
    g_assert_true (xapi_test_wait_for (resident_on, &w, TIMEOUT_MS));
  }
  {
    g_autoptr(JsonObject) rec = xapi_sim_raw_record (f->sim, "VM", xapi_object_get_ref (XAPI_OBJECT (vm)));
    g_assert_cmpstr (json_object_get_string_member (rec, "resident_on"), ==, target_ref);
    g_assert_cmpstr (json_object_get_string_member (rec, "power_state"), ==, "Running");
  }
  gtk_window_destroy (wiz);
  g_free (fin.vm_ref);
}

/* Drive the New Network wizard up to its details page. */
static GtkWindow *
network_wizard_to_details (Fixture    *f,
                           const char *kind_button,
                           const char *name,
                           Finished   *fin)
{
  GtkWindow *wiz = xp_new_network_wizard_new (NULL, f->conn);
  GtkWidget *next = xp_test_get (wiz, "next-button");

  g_signal_connect (wiz, "finished", G_CALLBACK (on_finished), fin);
  gtk_window_present (wiz);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (xp_test_get (wiz, kind_button)), TRUE);
  g_signal_emit_by_name (next, "clicked");
  g_assert_false (gtk_widget_get_sensitive (next));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "hint-label"))), !=, "");
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "name-entry")), name);
  g_assert_true (gtk_widget_get_sensitive (next));
  g_signal_emit_by_name (next, "clicked");
  return wiz;
}

static void
network_wizard_create (GtkWindow *wiz,
                       Finished  *fin)
{
  GtkWidget *next = xp_test_get (wiz, "next-button");

  g_assert_true (gtk_widget_get_sensitive (next));
  g_signal_emit_by_name (next, "clicked");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "summary-label"))), !=, "");
  g_signal_emit_by_name (next, "clicked");
  g_assert_true (xapi_test_wait_for (is_done, fin, TIMEOUT_MS));
}

static guint
select_nic (GtkWindow  *wiz,
            const char *device)
{
  GtkDropDown *dd = GTK_DROP_DOWN (xp_test_get (wiz, "nic-dropdown"));
  GListModel *model = gtk_drop_down_get_model (dd);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (model), i), device) == 0)
      {
        gtk_drop_down_set_selected (dd, i);
        return i;
      }
  g_assert_not_reached ();
}

/* PIFs of @network in the simulator (records, transfer full). */
static GPtrArray *
network_pifs (Fixture    *f,
              const char *network)
{
  g_autoptr(JsonObject) rec = xapi_sim_raw_record (f->sim, "network", network);
  JsonArray *pifs = json_object_get_array_member (rec, "PIFs");
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; i < json_array_get_length (pifs); i++)
    g_ptr_array_add (out, xapi_sim_raw_record (f->sim, "PIF", json_array_get_string_element (pifs, i)));
  return out;
}

static void
test_network_external (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;
  GtkWidget *next;
  guint n_hosts;

  if (f->sim == NULL)
    return;
  n_hosts = xapi_sim_raw_count (f->sim, "host.get_all");
  wiz = network_wizard_to_details (f, "kind-external", "wiz-vlan-30", &fin);
  next = xp_test_get (wiz, "next-button");
  select_nic (wiz, "eth1");
  /* VLAN 20 is already on eth1 in the demo pool */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (xp_test_get (wiz, "vlan-spin")), 20);
  g_assert_false (gtk_widget_get_sensitive (next));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "hint-label"))), "already exists"));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (xp_test_get (wiz, "vlan-spin")), 30);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (xp_test_get (wiz, "mtu-spin")), 1400);
  /* "Add this network to new VMs": on by default for an external network;
   * the user turns it off, and the summary says so */
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (xp_test_get (wiz, "automatic-check"))));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (xp_test_get (wiz, "automatic-check")), FALSE);
  g_signal_emit_by_name (next, "clicked");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "summary-label"))), "will not be added to new VMs"));
  g_signal_emit_by_name (xp_test_get (wiz, "back-button"), "clicked");
  network_wizard_create (wiz, &fin);
  g_assert_null (fin.error);
  g_assert_nonnull (fin.vm_ref);
  {
    g_autoptr(JsonObject) net = xapi_sim_raw_record (f->sim, "network", fin.vm_ref);
    g_autoptr(GPtrArray) pifs = network_pifs (f, fin.vm_ref);
    g_autoptr(GHashTable) hosts = g_hash_table_new (g_str_hash, g_str_equal);

    g_assert_cmpstr (json_object_get_string_member (net, "name_label"), ==, "wiz-vlan-30");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (net, "other_config"), "automatic"),
                     ==, "false");
    g_assert_cmpint (json_object_get_int_member (net, "MTU"), ==, 1400);
    /* one tagged PIF per server, each the untagged side of a VLAN 30 on eth1 */
    g_assert_cmpuint (pifs->len, ==, n_hosts);
    for (guint i = 0; i < pifs->len; i++)
      {
        JsonObject *pif = pifs->pdata[i];
        g_autoptr(JsonObject) vlan = xapi_sim_raw_record (f->sim, "VLAN", json_object_get_string_member (pif, "VLAN_master_of"));
        g_autoptr(JsonObject) tagged = xapi_sim_raw_record (f->sim, "PIF", json_object_get_string_member (vlan, "tagged_PIF"));

        g_assert_cmpint (json_object_get_int_member (pif, "VLAN"), ==, 30);
        g_assert_cmpint (json_object_get_int_member (vlan, "tag"), ==, 30);
        g_assert_cmpstr (json_object_get_string_member (tagged, "device"), ==, "eth1");
        g_assert_cmpstr (json_object_get_string_member (tagged, "host"), ==, json_object_get_string_member (pif, "host"));
        g_hash_table_add (hosts, (gpointer) json_object_get_string_member (pif, "host"));
      }
    g_assert_cmpuint (g_hash_table_size (hosts), ==, n_hosts);
  }
  gtk_window_destroy (wiz);
  g_free (fin.vm_ref);
}

static void
test_network_private (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;
  guint networks_before;

  if (f->sim == NULL)
    return;
  networks_before = xapi_sim_raw_count (f->sim, "network.get_all");
  wiz = network_wizard_to_details (f, "kind-private", "wiz-private", &fin);
  /* off by default for a private network; the user turns it on */
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (xp_test_get (wiz, "automatic-check"))));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (xp_test_get (wiz, "automatic-check")), TRUE);
  g_signal_emit_by_name (xp_test_get (wiz, "next-button"), "clicked");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "summary-label"))), "It will be added to new VMs"));
  g_signal_emit_by_name (xp_test_get (wiz, "back-button"), "clicked");
  network_wizard_create (wiz, &fin);
  g_assert_null (fin.error);
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "network.get_all"), ==, networks_before + 1);
  {
    g_autoptr(JsonObject) net = xapi_sim_raw_record (f->sim, "network", fin.vm_ref);

    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (net, "other_config"), "automatic"),
                     ==, "true");

    g_assert_cmpstr (json_object_get_string_member (net, "name_label"), ==, "wiz-private");
    g_assert_cmpint (json_object_get_int_member (net, "MTU"), ==, 1500);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (net, "PIFs")), ==, 0);
  }
  gtk_window_destroy (wiz);
  g_free (fin.vm_ref);
}

static void
test_network_bond (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;
  GtkWidget *next, *members;
  guint n_hosts, bonds_before, checked = 0;

  if (f->sim == NULL)
    return;
  n_hosts = xapi_sim_raw_count (f->sim, "host.get_all");
  bonds_before = xapi_sim_raw_count (f->sim, "Bond.get_all");
  wiz = network_wizard_to_details (f, "kind-bond", "wiz-bond", &fin);
  next = xp_test_get (wiz, "next-button");
  g_assert_false (gtk_widget_get_sensitive (next));  /* no members yet */
  members = xp_test_get (wiz, "member-box");
  /* eth2 and eth3 are already bonded in the demo pool: eth0 and eth1 are free */
  for (GtkWidget *c = gtk_widget_get_first_child (members); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      const char *dev = g_object_get_data (G_OBJECT (c), "device");

      if (g_str_equal (dev, "eth2") || g_str_equal (dev, "eth3"))
        g_assert_false (gtk_widget_get_sensitive (c));
      if (g_str_equal (dev, "eth0") || g_str_equal (dev, "eth1"))
        {
          gtk_check_button_set_active (GTK_CHECK_BUTTON (c), TRUE);
          checked++;
          g_assert_true (gtk_widget_get_sensitive (next) == (checked == 2));
        }
    }
  g_assert_cmpuint (checked, ==, 2);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (xp_test_get (wiz, "mode-dropdown")), 2);  /* lacp */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (xp_test_get (wiz, "mtu-spin")), 9000);
  network_wizard_create (wiz, &fin);
  g_assert_null (fin.error);
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "Bond.get_all"), ==, bonds_before + n_hosts);
  {
    g_autoptr(JsonObject) net = xapi_sim_raw_record (f->sim, "network", fin.vm_ref);
    g_autoptr(GPtrArray) pifs = network_pifs (f, fin.vm_ref);

    g_assert_cmpint (json_object_get_int_member (net, "MTU"), ==, 9000);
    g_assert_cmpuint (pifs->len, ==, n_hosts);
    for (guint i = 0; i < pifs->len; i++)
      {
        JsonArray *bonds = json_object_get_array_member (pifs->pdata[i], "bond_master_of");
        g_autoptr(JsonObject) bond = NULL;
        JsonArray *slaves;

        g_assert_cmpuint (json_array_get_length (bonds), ==, 1);
        bond = xapi_sim_raw_record (f->sim, "Bond", json_array_get_string_element (bonds, 0));
        g_assert_cmpstr (json_object_get_string_member (bond, "mode"), ==, "lacp");
        slaves = json_object_get_array_member (bond, "slaves");
        g_assert_cmpuint (json_array_get_length (slaves), ==, 2);
        for (guint j = 0; j < 2; j++)
          {
            g_autoptr(JsonObject) slave = xapi_sim_raw_record (f->sim, "PIF", json_array_get_string_element (slaves, j));
            const char *dev = json_object_get_string_member (slave, "device");

            g_assert_true (g_str_equal (dev, "eth0") || g_str_equal (dev, "eth1"));
            g_assert_cmpstr (json_object_get_string_member (slave, "host"), ==,
                             json_object_get_string_member (pifs->pdata[i], "host"));
          }
      }
  }
  gtk_window_destroy (wiz);
  g_free (fin.vm_ref);
}

static void
test_network_rollback (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;
  guint networks_before, vlans_before, pifs_before;
  g_autoptr(JsonNode) reply = NULL;

  if (f->sim == NULL)
    return;
  networks_before = xapi_sim_raw_count (f->sim, "network.get_all");
  vlans_before = xapi_sim_raw_count (f->sim, "VLAN.get_all");
  pifs_before = xapi_sim_raw_count (f->sim, "PIF.get_all");
  /* the network is made, then VLAN.create fails: the network goes again */
  reply = xapi_sim_control (f->sim, "/fail-next", "{\"method\":\"VLAN.create\",\"error\":[\"PIF_IS_PHYSICAL\",\"x\"],\"count\":1}");
  wiz = network_wizard_to_details (f, "kind-external", "wiz-vlan-fail", &fin);
  select_nic (wiz, "eth1");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (xp_test_get (wiz, "vlan-spin")), 31);
  network_wizard_create (wiz, &fin);
  g_assert_nonnull (fin.error);
  g_assert_nonnull (strstr (fin.error, "removed"));
  g_assert_nonnull (strstr (fin.error, "PIF_IS_PHYSICAL"));
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "network.get_all"), ==, networks_before);
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VLAN.get_all"), ==, vlans_before);
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "PIF.get_all"), ==, pifs_before);
  gtk_window_destroy (wiz);
  g_free (fin.error);
}

static gboolean
probe_answered (gpointer data)
{
  GtkWindow *wiz = data;
  const char *text = gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "probe-label")));

  return *text != '\0' && !g_str_has_suffix (text, "…");
}

/* Drive the New Storage wizard through the location page, scanning the
 * server; picks @export from what the scan found when non-NULL. */
static GtkWindow *
sr_wizard_to_summary (Fixture    *f,
                      const char *kind_button,
                      const char *name,
                      const char *server,
                      const char *path,
                      const char *export,
                      Finished   *fin)
{
  GtkWindow *wiz = xp_new_sr_wizard_new (NULL, f->conn);
  GtkWidget *next = xp_test_get (wiz, "next-button");

  g_signal_connect (wiz, "finished", G_CALLBACK (on_finished), fin);
  gtk_window_present (wiz);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (xp_test_get (wiz, kind_button)), TRUE);
  g_signal_emit_by_name (next, "clicked");
  g_assert_false (gtk_widget_get_sensitive (next));
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "name-entry")), name);
  g_signal_emit_by_name (next, "clicked");
  /* location: needs a server, an absolute path and a scan */
  g_assert_false (gtk_widget_get_sensitive (next));
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "server-entry")), server);
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "path-entry")), path);
  g_assert_false (gtk_widget_get_sensitive (next));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "hint-label"))), "Scan"));
  g_signal_emit_by_name (xp_test_get (wiz, "scan-button"), "clicked");
  g_assert_true (xapi_test_wait_for (probe_answered, wiz, TIMEOUT_MS));
  if (export != NULL)
    {
      GtkListBox *list = GTK_LIST_BOX (xp_test_get (wiz, "probe-list"));
      GtkListBoxRow *row;
      int i;

      for (i = 0; (row = gtk_list_box_get_row_at_index (list, i)) != NULL; i++)
        if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "path"), export) == 0)
          break;
      g_assert_nonnull (row);
      gtk_list_box_select_row (list, row);
      g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (xp_test_get (wiz, "path-entry"))), ==, export);
    }
  g_assert_true (gtk_widget_get_sensitive (next));
  g_signal_emit_by_name (next, "clicked");
  return wiz;
}

/* The one SR named @name in the simulator (its record). */
static JsonObject *
sr_by_name (Fixture    *f,
            const char *name)
{
  g_autofree char *arg = g_strdup_printf ("\"%s\"", name);
  g_autoptr(JsonNode) refs = xapi_sim_raw_result (f->sim, "SR.get_by_name_label", arg);

  g_assert_nonnull (refs);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (refs)), ==, 1);
  return xapi_sim_raw_record (f->sim, "SR", json_array_get_string_element (json_node_get_array (refs), 0));
}

static void
test_sr_nfs (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;
  guint n_hosts;

  if (f->sim == NULL)
    return;
  n_hosts = xapi_sim_raw_count (f->sim, "host.get_all");
  wiz = sr_wizard_to_summary (f, "kind-vhd", "wiz-nfs", "nas01.lab.example", "/", "/export/vms", &fin);
  /* the summary says what the probe found */
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "summary-label"))), "exports 1 path"));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "summary-label"))), "nas01.lab.example:/export/vms"));
  g_signal_emit_by_name (xp_test_get (wiz, "next-button"), "clicked");
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_null (fin.error);
  {
    g_autoptr(JsonObject) sr = sr_by_name (f, "wiz-nfs");
    JsonArray *pbds = json_object_get_array_member (sr, "PBDs");

    g_assert_cmpstr (json_object_get_string_member (sr, "type"), ==, "nfs");
    g_assert_cmpstr (json_object_get_string_member (sr, "content_type"), ==, "");
    g_assert_true (json_object_get_boolean_member (sr, "shared"));
    g_assert_cmpuint (json_array_get_length (pbds), ==, n_hosts);
    for (guint i = 0; i < n_hosts; i++)
      {
        g_autoptr(JsonObject) pbd = xapi_sim_raw_record (f->sim, "PBD", json_array_get_string_element (pbds, i));
        JsonObject *dc = json_object_get_object_member (pbd, "device_config");

        g_assert_cmpstr (json_object_get_string_member (dc, "server"), ==, "nas01.lab.example");
        g_assert_cmpstr (json_object_get_string_member (dc, "serverpath"), ==, "/export/vms");
        g_assert_true (json_object_get_boolean_member (pbd, "currently_attached"));
      }
  }
  gtk_window_destroy (wiz);
  g_free (fin.vm_ref);
}

static void
test_sr_iso (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;

  if (f->sim == NULL)
    return;
  wiz = sr_wizard_to_summary (f, "kind-iso", "wiz-iso", "files.lab.example", "/isos", NULL, &fin);
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "summary-label"))), "No SR exists"));
  g_signal_emit_by_name (xp_test_get (wiz, "next-button"), "clicked");
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_null (fin.error);
  {
    g_autoptr(JsonObject) sr = sr_by_name (f, "wiz-iso");
    JsonArray *pbds = json_object_get_array_member (sr, "PBDs");
    g_autoptr(JsonObject) pbd = NULL;

    g_assert_cmpstr (json_object_get_string_member (sr, "type"), ==, "iso");
    g_assert_cmpstr (json_object_get_string_member (sr, "content_type"), ==, "iso");
    g_assert_true (json_object_get_boolean_member (sr, "shared"));
    g_assert_cmpuint (json_array_get_length (pbds), >, 0);
    pbd = xapi_sim_raw_record (f->sim, "PBD", json_array_get_string_element (pbds, 0));
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (pbd, "device_config"), "location"),
                     ==, "files.lab.example:/isos");
  }
  gtk_window_destroy (wiz);
  g_free (fin.vm_ref);
}

static void
test_sr_failure (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;
  guint srs_before, pbds_before;
  g_autoptr(JsonNode) reply = NULL;

  if (f->sim == NULL)
    return;
  srs_before = xapi_sim_raw_count (f->sim, "SR.get_all");
  pbds_before = xapi_sim_raw_count (f->sim, "PBD.get_all");
  reply = xapi_sim_control (f->sim, "/fail-next",
                            "{\"method\":\"SR.create\",\"error\":[\"SR_BACKEND_FAILURE_73\",\"\",\"NFS mount error\"],\"count\":1}");
  wiz = sr_wizard_to_summary (f, "kind-vhd", "wiz-nfs-fail", "nas01.lab.example", "/export/vms", NULL, &fin);
  g_signal_emit_by_name (xp_test_get (wiz, "next-button"), "clicked");
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_nonnull (fin.error);
  g_assert_nonnull (strstr (fin.error, "Nothing was created"));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "status-label"))), ==, fin.error);
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "SR.get_all"), ==, srs_before);
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "PBD.get_all"), ==, pbds_before);
  gtk_window_destroy (wiz);
  g_free (fin.error);
}

static gboolean
max_computed (gpointer data)
{
  const char *text = gtk_label_get_text (GTK_LABEL (xp_test_get (data, "max-label")));

  return strstr (text, "at most") != NULL;
}

/* A VM's restart priority (index in the drop-down) and start order. */
typedef struct {
  const char *vm_name;
  guint       priority;
  int         order;
} HaChoice;

/* Through the HA wizard to its summary with the SR named @sr_name, setting
 * the priorities of @choices (NULL-terminated by vm_name, may be NULL). */
static GtkWindow *
ha_wizard_to_summary (Fixture        *f,
                      const char     *sr_name,
                      int             failures,
                      const HaChoice *choices,
                      Finished       *fin)
{
  GtkWindow *wiz = xp_ha_wizard_new (NULL, f->conn);
  GtkWidget *next = xp_test_get (wiz, "next-button");
  GtkListBox *list = GTK_LIST_BOX (xp_test_get (wiz, "sr-list"));
  GtkListBoxRow *row, *chosen = NULL;
  gboolean saw_iso = FALSE, saw_local = FALSE;
  GtkSpinButton *spin;

  g_signal_connect (wiz, "finished", G_CALLBACK (on_finished), fin);
  gtk_window_present (wiz);
  /* focus may have selected a row already: without one, Next says why not */
  gtk_list_box_unselect_all (list);
  g_assert_false (gtk_widget_get_sensitive (next));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "hint-label"))), !=, "");
  for (int i = 0; (row = gtk_list_box_get_row_at_index (list, i)) != NULL; i++)
    {
      XapiSr *sr = g_object_get_data (G_OBJECT (row), "sr");
      const char *reason = g_object_get_data (G_OBJECT (row), "reason");

      if (g_strcmp0 (xapi_sr_get_name_label (sr), sr_name) == 0)
        chosen = row;
      if (g_strcmp0 (xapi_sr_get_name_label (sr), "ISO library") == 0)
        {
          g_assert_nonnull (strstr (reason, "ISO"));
          g_assert_false (gtk_list_box_row_get_selectable (row));
          saw_iso = TRUE;
        }
      if (g_strcmp0 (xapi_sr_get_name_label (sr), "Local storage") == 0)
        {
          g_assert_nonnull (strstr (reason, "Not shared"));
          g_assert_false (gtk_list_box_row_get_selectable (row));
          saw_local = TRUE;
        }
    }
  g_assert_true (saw_iso && saw_local);
  g_assert_nonnull (chosen);
  gtk_list_box_select_row (list, chosen);
  g_assert_true (gtk_widget_get_sensitive (next));
  g_signal_emit_by_name (next, "clicked");
  /* the restart priorities */
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (gtk_widget_get_ancestor (xp_test_get (wiz, "vm-grid"),
                                                                                        GTK_TYPE_STACK))),
                   ==, "priorities");
  for (int i = 0; choices != NULL && choices[i].vm_name != NULL; i++)
    {
      XapiVm *vm = find_vm_by_name (f->conn, choices[i].vm_name);
      g_autofree char *prio = NULL, *order = NULL;

      g_assert_nonnull (vm);
      prio = g_strdup_printf ("ha-priority:%s", xapi_object_get_ref (XAPI_OBJECT (vm)));
      order = g_strdup_printf ("ha-order:%s", xapi_object_get_ref (XAPI_OBJECT (vm)));
      gtk_drop_down_set_selected (GTK_DROP_DOWN (xp_test_get (wiz, prio)), choices[i].priority);
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (xp_test_get (wiz, order)), choices[i].order);
    }
  g_assert_true (gtk_widget_get_sensitive (next));
  g_signal_emit_by_name (next, "clicked");
  g_assert_true (xapi_test_wait_for (max_computed, wiz, TIMEOUT_MS));
  spin = GTK_SPIN_BUTTON (xp_test_get (wiz, "failures-spin"));
  {
    g_autoptr(JsonNode) max = xapi_sim_raw_result (f->sim, "pool.ha_compute_hypothetical_max_host_failures_to_tolerate", "{}");
    double lo, hi;

    gtk_spin_button_get_range (spin, &lo, &hi);
    g_assert_cmpint ((gint64) hi, ==, json_node_get_int (max));
    g_assert_cmpint (json_node_get_int (max), >=, failures);
  }
  gtk_spin_button_set_value (spin, failures);
  g_assert_true (gtk_widget_get_sensitive (next));
  g_signal_emit_by_name (next, "clicked");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (wiz, "summary-label"))), sr_name));
  g_signal_emit_by_name (next, "clicked");
  return wiz;
}

static gboolean
ha_enabled_in_cache (gpointer data)
{
  XapiObject *pool = xapi_cache_get_pool (xapi_connection_get_cache (data));

  return pool != NULL && xapi_pool_get_ha_enabled (XAPI_POOL (pool));
}

static JsonObject *
raw_pool (Fixture *f)
{
  g_autoptr(JsonNode) pools = xapi_sim_raw_result (f->sim, "pool.get_all", NULL);

  return xapi_sim_raw_record (f->sim, "pool", json_array_get_string_element (json_node_get_array (pools), 0));
}

static JsonObject *
raw_vm (Fixture    *f,
        const char *name)
{
  XapiVm *vm = find_vm_by_name (f->conn, name);

  g_assert_nonnull (vm);
  return xapi_sim_raw_record (f->sim, "VM", xapi_object_get_ref (XAPI_OBJECT (vm)));
}

static void
test_ha_enable (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;

  if (f->sim == NULL)
    return;
  wiz = ha_wizard_to_summary (f, "NFS VM storage", 1, NULL, &fin);
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_null (fin.error);
  g_assert_true (xapi_test_wait_for (ha_enabled_in_cache, f->conn, TIMEOUT_MS));
  {
    g_autoptr(JsonObject) pool = raw_pool (f);

    g_assert_cmpstr (json_object_get_string_member (pool, "uuid"), !=, "");
    g_assert_true (json_object_get_boolean_member (pool, "ha_enabled"));
    g_assert_cmpint (json_object_get_int_member (pool, "ha_host_failures_to_tolerate"), ==, 1);
  }
  gtk_window_destroy (wiz);
  g_free (fin.vm_ref);
}

static void
test_ha_failure (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;
  g_autoptr(JsonNode) reply = NULL;

  if (f->sim == NULL)
    return;
  reply = xapi_sim_control (f->sim, "/fail-next",
                            "{\"method\":\"pool.set_ha_host_failures_to_tolerate\",\"error\":[\"HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN\"],\"count\":1}");
  wiz = ha_wizard_to_summary (f, "NFS VM storage", 1, NULL, &fin);
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_nonnull (fin.error);
  g_assert_nonnull (strstr (fin.error, "disabled again"));
  {
    g_autoptr(JsonObject) pool = raw_pool (f);
    g_autoptr(JsonObject) web = raw_vm (f, "web-01");

    g_assert_false (json_object_get_boolean_member (pool, "ha_enabled"));
    /* proposed "Restart" for the running VM, set, then set back */
    g_assert_cmpstr (json_object_get_string_member (web, "ha_restart_priority"), ==, "");
  }
  gtk_window_destroy (wiz);
  g_free (fin.error);
}

static const HaChoice ha_choices[] = {
  { "fileserver", 0, 3 },   /* halted: "Restart", order 3 */
  { "scratch", 1, 5 },      /* halted: "Restart if possible", order 5 */
  { NULL, 0, 0 },
};

/* The priorities page lists the VMs only, proposes "Restart" for running
 * VMs without a priority and sets the chosen values before enabling. */
static void
test_ha_priorities (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;
  GListModel *vms;

  if (f->sim == NULL)
    return;
  {
    g_autoptr(JsonObject) web = raw_vm (f, "web-01");
    g_autoptr(JsonObject) files = raw_vm (f, "fileserver");

    g_assert_cmpstr (json_object_get_string_member (web, "power_state"), ==, "Running");
    g_assert_cmpstr (json_object_get_string_member (web, "ha_restart_priority"), ==, "");
    g_assert_cmpstr (json_object_get_string_member (files, "ha_restart_priority"), ==, "");
  }
  wiz = ha_wizard_to_summary (f, "NFS VM storage", 1, ha_choices, &fin);
  /* Next was pressed on the summary: the wizard is running or done */
  vms = xapi_cache_get_objects (xapi_connection_get_cache (f->conn), XAPI_TYPE_VM);
  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);
      g_autofree char *prio = g_strdup_printf ("ha-priority:%s", xapi_object_get_ref (XAPI_OBJECT (vm)));
      GtkWidget *w = xp_test_find_named (GTK_WIDGET (wiz), prio);
      gboolean listed = !xapi_vm_get_is_a_template (vm) && !xapi_vm_get_is_a_snapshot (vm)
                        && !xapi_vm_get_is_control_domain (vm);

      if (xapi_object_is_gone (XAPI_OBJECT (vm)))
        continue;
      g_assert_true ((w != NULL) == listed);
      if (w != NULL)
        {
          g_autofree char *a11y = g_strdup_printf ("Restart priority of “%s”", xapi_vm_get_name_label (vm));
          g_assert_cmpstr (gtk_widget_get_tooltip_text (w), ==, a11y);
        }
      if (g_strcmp0 (xapi_vm_get_name_label (vm), "web-01") == 0)
        g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (w)), ==, 0);  /* proposed */
    }
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_null (fin.error);
  {
    g_autoptr(JsonObject) pool = raw_pool (f);
    g_autoptr(JsonObject) files = raw_vm (f, "fileserver");
    g_autoptr(JsonObject) scratch = raw_vm (f, "scratch");
    g_autoptr(JsonObject) web = raw_vm (f, "web-01");

    g_assert_true (json_object_get_boolean_member (pool, "ha_enabled"));
    g_assert_cmpstr (json_object_get_string_member (files, "ha_restart_priority"), ==, "restart");
    g_assert_cmpint (json_object_get_int_member (files, "order"), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (scratch, "ha_restart_priority"), ==, "best-effort");
    g_assert_cmpint (json_object_get_int_member (scratch, "order"), ==, 5);
    g_assert_cmpstr (json_object_get_string_member (web, "ha_restart_priority"), ==, "restart");
  }
  gtk_window_destroy (wiz);
  g_free (fin.vm_ref);
}

/* pool.enable_ha fails: every priority and order set before is set back. */
static void
test_ha_priorities_failure (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonObject) files0 = NULL, scratch0 = NULL;

  if (f->sim == NULL)
    return;
  files0 = raw_vm (f, "fileserver");
  scratch0 = raw_vm (f, "scratch");
  reply = xapi_sim_control (f->sim, "/fail-next",
                            "{\"method\":\"pool.enable_ha\",\"error\":[\"HA_HOST_CANNOT_ACCESS_STATEFILE\"],\"count\":1}");
  wiz = ha_wizard_to_summary (f, "NFS VM storage", 1, ha_choices, &fin);
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_nonnull (fin.error);
  g_assert_nonnull (strstr (fin.error, "could not be enabled"));
  g_assert_nonnull (strstr (fin.error, "set back"));
  {
    g_autoptr(JsonObject) pool = raw_pool (f);
    g_autoptr(JsonObject) files = raw_vm (f, "fileserver");
    g_autoptr(JsonObject) scratch = raw_vm (f, "scratch");
    g_autoptr(JsonObject) web = raw_vm (f, "web-01");

    g_assert_false (json_object_get_boolean_member (pool, "ha_enabled"));
    g_assert_cmpstr (json_object_get_string_member (files, "ha_restart_priority"), ==,
                     json_object_get_string_member (files0, "ha_restart_priority"));
    g_assert_cmpint (json_object_get_int_member (files, "order"), ==, json_object_get_int_member (files0, "order"));
    g_assert_cmpstr (json_object_get_string_member (scratch, "ha_restart_priority"), ==,
                     json_object_get_string_member (scratch0, "ha_restart_priority"));
    g_assert_cmpint (json_object_get_int_member (scratch, "order"), ==,
                     json_object_get_int_member (scratch0, "order"));
    g_assert_cmpstr (json_object_get_string_member (web, "ha_restart_priority"), ==, "");
  }
  gtk_window_destroy (wiz);
  g_free (fin.error);
}

static gboolean
status_mentions_provisioning (gpointer data)
{
  return strstr (gtk_label_get_text (GTK_LABEL (xp_test_get (data, "status-label"))), "provisioning") != NULL;
}

static void
test_new_vm_cancel (Fixture *f, gconstpointer data)
{
  GtkWindow *wiz;
  GtkWidget *next;
  Finished fin = { 0 };
  guint vdis_before, vms_before;

  if (f->sim == NULL)
    return;
  vdis_before = xapi_sim_raw_count (f->sim, "VDI.get_all");
  vms_before = xapi_sim_raw_count (f->sim, "VM.get_all");
  wiz = xp_new_vm_wizard_new (NULL, f->conn, NULL);
  g_signal_connect (wiz, "finished", G_CALLBACK (on_finished), &fin);
  gtk_window_present (wiz);
  next = xp_test_get (wiz, "next-button");
  choose_template (wiz, "bookworm");
  g_signal_emit_by_name (next, "clicked");
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, "name-entry")), "wiz-vm-cancel");
  next_until (wiz, "summary");
  g_signal_emit_by_name (next, "clicked");
  /* cancel while the clone exists and its disks are being provisioned */
  g_assert_true (xapi_test_wait_for (status_mentions_provisioning, wiz, TIMEOUT_MS));
  g_signal_emit_by_name (xp_test_get (wiz, "cancel-button"), "clicked");

  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_nonnull (fin.error);
  g_assert_nonnull (strstr (fin.error, "Cancelled"));
  g_assert_null (fin.vm_ref);
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VM.get_all"), ==, vms_before);
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "VDI.get_all"), ==, vdis_before);
  gtk_window_destroy (wiz);
  g_free (fin.error);
}

static void
test_actions_enabled (Fixture *f, gconstpointer data)
{
  g_autoptr(GListStore) conns = NULL;
  g_autoptr(XpWizardActions) actions = NULL;
  GActionGroup *group;

  if (f->sim == NULL)
    return;
  conns = g_list_store_new (XAPI_TYPE_CONNECTION);
  actions = xp_wizard_actions_new (NULL, G_LIST_MODEL (conns));
  group = xp_wizard_actions_get_group (actions);
  g_assert_true (g_action_group_has_action (group, "new-vm"));
  g_assert_false (g_action_group_get_action_enabled (group, "new-vm"));
  g_list_store_append (conns, f->conn);
  g_assert_true (g_action_group_get_action_enabled (group, "new-vm"));
  g_assert_true (g_action_group_get_action_enabled (group, "new-network"));
  g_assert_true (g_action_group_get_action_enabled (group, "new-sr"));
  g_assert_true (g_action_group_get_action_enabled (group, "ha"));
  g_assert_false (g_action_group_get_action_enabled (group, "migrate"));
  {
    g_autoptr(GPtrArray) sel = g_ptr_array_new ();

    g_ptr_array_add (sel, find_running_vm (f->conn));
    xp_wizard_actions_set_selection (actions, sel);
    g_assert_true (g_action_group_get_action_enabled (group, "migrate"));
    xp_wizard_actions_set_selection (actions, NULL);
    g_assert_false (g_action_group_get_action_enabled (group, "migrate"));
  }
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add ("/wizards/new-vm/create", Fixture, NULL, fixture_setup, test_new_vm_create, fixture_teardown);
  g_test_add ("/wizards/new-vm/rollback", Fixture, NULL, fixture_setup, test_new_vm_rollback, fixture_teardown);
  g_test_add ("/wizards/new-vm/cancel", Fixture, NULL, fixture_setup, test_new_vm_cancel, fixture_teardown);
  g_test_add ("/wizards/new-vm/hardware-rollback", Fixture, NULL, fixture_setup, test_new_vm_hardware_rollback,
              fixture_teardown);
  g_test_add ("/wizards/new-vm/network-boot", Fixture, NULL, fixture_setup, test_new_vm_network_boot,
              fixture_teardown);
  g_test_add ("/wizards/migrate/live", Fixture, NULL, fixture_setup, test_migrate, fixture_teardown);
  g_test_add ("/wizards/network/external", Fixture, NULL, fixture_setup, test_network_external, fixture_teardown);
  g_test_add ("/wizards/network/private", Fixture, NULL, fixture_setup, test_network_private, fixture_teardown);
  g_test_add ("/wizards/network/bond", Fixture, NULL, fixture_setup, test_network_bond, fixture_teardown);
  g_test_add ("/wizards/network/rollback", Fixture, NULL, fixture_setup, test_network_rollback, fixture_teardown);
  g_test_add ("/wizards/sr/nfs", Fixture, NULL, fixture_setup, test_sr_nfs, fixture_teardown);
  g_test_add ("/wizards/sr/iso", Fixture, NULL, fixture_setup, test_sr_iso, fixture_teardown);
  g_test_add ("/wizards/sr/failure", Fixture, NULL, fixture_setup, test_sr_failure, fixture_teardown);
  g_test_add ("/wizards/ha/enable", Fixture, NULL, fixture_setup, test_ha_enable, fixture_teardown);
  g_test_add ("/wizards/ha/failure", Fixture, NULL, fixture_setup, test_ha_failure, fixture_teardown);
  g_test_add ("/wizards/ha/priorities", Fixture, NULL, fixture_setup, test_ha_priorities, fixture_teardown);
  g_test_add ("/wizards/ha/priorities-failure", Fixture, NULL, fixture_setup, test_ha_priorities_failure,
              fixture_teardown);
  g_test_add ("/wizards/actions/enabled", Fixture, NULL, fixture_setup, test_actions_enabled, fixture_teardown);
  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Drag to migrate: a VM row of the sidebar dropped on a host row (through
 * the rows' GtkDragSource and GtkDropTarget) asks for the Migrate wizard
 * preset to that host, here of another pool.  Two simulators ("demo" and
 * "demo2"), a connection to each. */

#include "config.h"

#include <gtk/gtk.h>

#include "sim-fixture.h"
#include "../ui-util.h"
#include "xapi-cache.h"
#include "xp-sidebar.h"
#include "xp-wizard-actions.h"

#define TIMEOUT_MS 30000

typedef struct {
  XapiSim        *sim;
  XapiSim        *sim2;
  XapiConnection *conn;
  XapiConnection *conn2;
  GListStore     *conns;
  GtkWindow      *window;
  XpSidebar      *sidebar;
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
  f->sidebar = XP_SIDEBAR (xp_sidebar_new (G_LIST_MODEL (f->conns)));
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 400, 3000);  /* every row on screen */
  gtk_window_set_child (f->window, GTK_WIDGET (f->sidebar));
  gtk_window_present (f->window);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->window != NULL)
    gtk_window_destroy (f->window);
  g_clear_object (&f->conns);
  g_clear_pointer (&f->conn, xapi_test_connection_close);
  g_clear_pointer (&f->conn2, xapi_test_connection_close);
  g_clear_pointer (&f->sim, xapi_sim_stop);
  g_clear_pointer (&f->sim2, xapi_sim_stop);
}

static const char *
item_name (GObject *item)
{
  if (XAPI_IS_VM (item))
    return xapi_vm_get_name_label (XAPI_VM (item));
  if (XAPI_IS_HOST (item))
    return xapi_host_get_name_label (XAPI_HOST (item));
  return NULL;
}

typedef struct {
  XpSidebar  *sidebar;
  GType       type;
  const char *name;
  GtkWidget  *row;     /* the row's expander */
  GObject    *item;
} RowWait;

/* The sidebar row (its expander) showing the object of @type named @name. */
static gboolean
row_shown (gpointer data)
{
  RowWait *w = data;
  GtkWidget *list = xp_sidebar_get_list_view (w->sidebar);

  for (GtkWidget *c = gtk_widget_get_first_child (list); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *expander = gtk_widget_get_first_child (c);
      g_autoptr(GObject) item = NULL;

      if (!GTK_IS_TREE_EXPANDER (expander) || (item = gtk_tree_expander_get_item (GTK_TREE_EXPANDER (expander))) == NULL)
        continue;
      if (G_TYPE_CHECK_INSTANCE_TYPE (item, w->type) && g_strcmp0 (item_name (item), w->name) == 0)
        {
          w->row = expander;
          w->item = item;  /* the cache keeps it alive */
          return TRUE;
        }
    }
  return FALSE;
}

static gpointer
controller_of (GtkWidget *widget,
               GType      type)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (controllers, i);
      if (G_TYPE_CHECK_INSTANCE_TYPE (c, type))
        return c;  /* the widget keeps it */
    }
  g_assert_not_reached ();
}

typedef struct {
  int       count;
  XapiVm   *vm;
  XapiHost *host;
} Dropped;

static void
on_vm_dropped (XpSidebar *sidebar,
               XapiVm    *vm,
               XapiHost  *host,
               Dropped   *d)
{
  d->count++;
  d->vm = vm;
  d->host = host;
}

static gboolean
drop_value (GtkWidget *row,
            GObject   *vm)
{
  GtkDropTarget *target = controller_of (row, GTK_TYPE_DROP_TARGET);
  GValue value = G_VALUE_INIT;
  gboolean ok = FALSE;

  g_value_init (&value, XAPI_TYPE_VM);
  g_value_set_object (&value, vm);
  g_signal_emit_by_name (target, "drop", &value, 4.0, 4.0, &ok);
  g_value_unset (&value);
  return ok;
}

static gboolean
preset_selected (gpointer data)
{
  GtkWindow *wiz = data;
  GtkWidget *list = xp_test_find_named (GTK_WIDGET (wiz), "host-list");
  GtkListBoxRow *row;

  g_assert_nonnull (list);
  row = gtk_list_box_get_selected_row (GTK_LIST_BOX (list));
  if (row == NULL)
    return FALSE;
  return g_strcmp0 (xapi_object_get_ref (g_object_get_data (G_OBJECT (row), "host")),
                    g_object_get_data (G_OBJECT (wiz), "want-host")) == 0;
}

static void
test_drag_vm_to_other_pool (Fixture *f, gconstpointer data)
{
  RowWait vm_row = { f->sidebar, XAPI_TYPE_VM, "lab-debian" };
  RowWait home = { f->sidebar, XAPI_TYPE_HOST, "lab-host" };
  RowWait target = { f->sidebar, XAPI_TYPE_HOST, "xcp-ng-02" };
  RowWait other_vm = { f->sidebar, XAPI_TYPE_VM, "lab-router" };
  Dropped dropped = { 0 };
  GdkContentProvider *provider = NULL;
  GValue got = G_VALUE_INIT;

  if (f->sim == NULL)
    return;
  g_signal_connect (f->sidebar, "vm-dropped", G_CALLBACK (on_vm_dropped), &dropped);
  g_assert_true (xapi_test_wait_for (row_shown, &vm_row, TIMEOUT_MS));
  g_assert_true (xapi_test_wait_for (row_shown, &home, TIMEOUT_MS));
  g_assert_true (xapi_test_wait_for (row_shown, &target, TIMEOUT_MS));
  g_assert_true (xapi_test_wait_for (row_shown, &other_vm, TIMEOUT_MS));

  /* the VM row's drag source offers the VM; a host row offers nothing */
  g_signal_emit_by_name (controller_of (vm_row.row, GTK_TYPE_DRAG_SOURCE), "prepare", 4.0, 4.0, &provider);
  g_assert_nonnull (provider);
  g_value_init (&got, XAPI_TYPE_VM);
  g_assert_true (gdk_content_provider_get_value (provider, &got, NULL));
  g_assert_true (g_value_get_object (&got) == vm_row.item);
  g_value_unset (&got);
  g_clear_object (&provider);
  g_signal_emit_by_name (controller_of (target.row, GTK_TYPE_DRAG_SOURCE), "prepare", 4.0, 4.0, &provider);
  g_assert_null (provider);

  /* dropped on another VM, or on the host it runs on: refused */
  g_assert_false (drop_value (other_vm.row, vm_row.item));
  g_assert_false (drop_value (home.row, vm_row.item));
  g_assert_cmpint (dropped.count, ==, 0);

  /* dropped on a host of the other pool */
  g_assert_true (drop_value (target.row, vm_row.item));
  g_assert_cmpint (dropped.count, ==, 1);
  g_assert_true (dropped.vm == XAPI_VM (vm_row.item));
  g_assert_true (dropped.host == XAPI_HOST (target.item));

  /* which opens the Migrate wizard on that host, as the window does */
  {
    g_autoptr(XpWizardActions) actions = xp_wizard_actions_new (f->window, G_LIST_MODEL (f->conns));
    GtkWindow *wiz = xp_wizard_actions_migrate_to (actions, dropped.vm, dropped.host);

    g_object_set_data (G_OBJECT (wiz), "want-host", (gpointer) xapi_object_get_ref (XAPI_OBJECT (dropped.host)));
    g_assert_true (xapi_test_wait_for (preset_selected, wiz, TIMEOUT_MS));
    gtk_window_destroy (wiz);
  }
}

/* A shut down VM can be migrated only when another pool is connected. */
static void
test_halted_vm_needs_other_pool (Fixture *f, gconstpointer data)
{
  RowWait halted = { f->sidebar, XAPI_TYPE_VM, "lab-win" };
  g_autoptr(GListStore) alone = NULL;
  g_autoptr(GPtrArray) sel = g_ptr_array_new ();

  if (f->sim == NULL)
    return;
  g_assert_true (xapi_test_wait_for (row_shown, &halted, TIMEOUT_MS));
  g_assert_cmpint (xapi_vm_get_power_state (XAPI_VM (halted.item)), ==, XAPI_VM_POWER_STATE_HALTED);
  g_ptr_array_add (sel, halted.item);
  alone = g_list_store_new (XAPI_TYPE_CONNECTION);
  g_list_store_append (alone, f->conn2);
  {
    g_autoptr(XpWizardActions) one = xp_wizard_actions_new (f->window, G_LIST_MODEL (alone));
    g_autoptr(XpWizardActions) two = xp_wizard_actions_new (f->window, G_LIST_MODEL (f->conns));

    xp_wizard_actions_set_selection (one, sel);
    xp_wizard_actions_set_selection (two, sel);
    g_assert_false (g_action_group_get_action_enabled (xp_wizard_actions_get_group (one), "migrate"));
    g_assert_true (g_action_group_get_action_enabled (xp_wizard_actions_get_group (two), "migrate"));
  }
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add ("/shell/drag/vm-to-host", Fixture, NULL, fixture_setup, test_drag_vm_to_other_pool,
              fixture_teardown);
  g_test_add ("/shell/drag/halted-needs-other-pool", Fixture, NULL, fixture_setup, test_halted_vm_needs_other_pool,
              fixture_teardown);
  return g_test_run ();
}

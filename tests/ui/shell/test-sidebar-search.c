/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sidebar's list views against their rows: the tree of a pool of
 * hundreds of VMs, then searches typed into the entry that narrow to one VM
 * and widen to hundreds show, row for row, the objects of the search's rows,
 * and end up with every one of them (a list view grows a screenful first
 * and the rest a frame later), whatever is typed while it grows. */

#include "config.h"

#include <gtk/gtk.h>

#include "sim-fixture.h"
#include "../ui-util.h"
#include "xapi-cache.h"
#include "xp-sidebar.h"
#include "xp-tree-model.h"

#define TIMEOUT_MS 30000
#define N_VMS      300

typedef struct {
  XapiSim        *sim;
  XapiConnection *conn;
  GListStore     *conns;
  GtkWindow      *window;
  XpSidebar      *sidebar;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *vms = g_strdup_printf ("%d", N_VMS);

  if (!xp_test_have_sim_and_display ())
    return;
  f->sim = xapi_sim_start ("--scenario", "large", "--hosts", "2", "--vms", vms, NULL);
  f->conn = xapi_test_connect_pinned (f->sim, NULL, "secret");
  f->conns = g_list_store_new (XAPI_TYPE_CONNECTION);
  g_list_store_append (f->conns, f->conn);
  f->sidebar = XP_SIDEBAR (xp_sidebar_new (G_LIST_MODEL (f->conns)));
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 400, 700);
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
  g_clear_pointer (&f->sim, xapi_sim_stop);
}

/* The rows of the search (or of the tree) now. */
static guint
n_rows (Fixture *f)
{
  return g_list_model_get_n_items (xp_tree_model_get_model (xp_sidebar_get_tree_model (f->sidebar)));
}

/* The name of a row of the list view (a GtkListItemWidget), or NULL. */
static const char *
row_name (GtkWidget *row)
{
  GtkWidget *expander = gtk_widget_get_first_child (row);
  GtkWidget *box = expander != NULL ? gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander)) : NULL;
  GtkWidget *icon = box != NULL ? gtk_widget_get_first_child (box) : NULL;
  GtkWidget *name = icon != NULL ? gtk_widget_get_next_sibling (icon) : NULL;

  return GTK_IS_INSCRIPTION (name) ? gtk_inscription_get_text (GTK_INSCRIPTION (name)) : NULL;
}

/* The list view shown has as many rows as the search's (or the tree's),
 * and its rows (those it has widgets for, from the top: a screenful at
 * least) name the same objects in the same order. */
static gboolean
list_matches_search (gpointer data)
{
  Fixture *f = data;
  GtkWidget *view = xp_sidebar_get_list_view (f->sidebar);
  GListModel *shown = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (view)));
  GListModel *rows = xp_tree_model_get_model (xp_sidebar_get_tree_model (f->sidebar));
  guint n = n_rows (f);
  guint i = 0;

  if (shown == NULL || g_list_model_get_n_items (shown) != n)
    return FALSE;
  for (GtkWidget *row = gtk_widget_get_first_child (view); row != NULL && i < n;
       row = gtk_widget_get_next_sibling (row), i++)
    {
      g_autoptr(GtkTreeListRow) tree_row = g_list_model_get_item (rows, i);
      g_autofree char *expected = xp_object_dup_display_name (gtk_tree_list_row_get_item (tree_row));
      GtkWidget *expander = gtk_widget_get_first_child (row);

      if (g_strcmp0 (row_name (row), expected) != 0)
        return FALSE;
      /* in the tree, the expander (indentation, arrow) is the row's own */
      if (!xp_tree_model_get_searching (xp_sidebar_get_tree_model (f->sidebar)) &&
          gtk_tree_expander_get_list_row (GTK_TREE_EXPANDER (expander)) != tree_row)
        return FALSE;
    }
  return i >= MIN (n, 64u);
}

/* Typed into the search entry in place of its text (which empties it
 * first: the search ends and starts again), without waiting for its delay. */
static void
type (Fixture    *f,
      const char *text)
{
  GtkEditable *entry = xp_sidebar_get_search_entry (f->sidebar);

  gtk_editable_set_text (entry, text);
  g_signal_emit_by_name (entry, "search-changed");
}

/* Typed on at the end of the search entry's text, or @erase characters
 * erased from it. */
static void
type_on (Fixture    *f,
         const char *more,
         int         erase)
{
  GtkEditable *entry = xp_sidebar_get_search_entry (f->sidebar);
  int end = (int) g_utf8_strlen (gtk_editable_get_text (entry), -1);

  if (erase > 0)
    gtk_editable_delete_text (entry, end - erase, end);
  else
    gtk_editable_insert_text (entry, more, -1, &end);
  g_signal_emit_by_name (entry, "search-changed");
}

static gboolean
searching_shown (gpointer data)
{
  Fixture *f = data;

  return xp_tree_model_get_searching (xp_sidebar_get_tree_model (f->sidebar)) && list_matches_search (f);
}

static gboolean
tree_shown (gpointer data)
{
  Fixture *f = data;

  return !xp_tree_model_get_searching (xp_sidebar_get_tree_model (f->sidebar)) && list_matches_search (f);
}

static gboolean
pool_synced (gpointer data)
{
  Fixture *f = data;
  GListModel *vms = xapi_cache_get_objects (xapi_connection_get_cache (f->conn), XAPI_TYPE_VM);

  return g_list_model_get_n_items (vms) >= N_VMS;
}

static void
test_search_rows (Fixture       *f,
                  gconstpointer  data)
{
  GListModel *vms;
  g_autofree char *one = NULL;

  if (f->sim == NULL)
    return;
  g_assert_true (xapi_test_wait_for (pool_synced, f, TIMEOUT_MS));
  /* the tree, grown past a screenful as the pool came */
  g_assert_true (xapi_test_wait_for (tree_shown, f, TIMEOUT_MS));
  g_assert_cmpuint (n_rows (f), >, 64);
  vms = xapi_cache_get_objects (xapi_connection_get_cache (f->conn), XAPI_TYPE_VM);
  for (guint i = 0; i < g_list_model_get_n_items (vms) && one == NULL; i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);

      if (!xapi_vm_get_is_a_template (vm) && !xapi_vm_get_is_control_domain (vm) &&
          !xapi_vm_get_is_a_snapshot (vm))
        one = g_strdup (xapi_vm_get_name_label (vm));
    }
  g_assert_nonnull (one);

  /* one VM, then every VM: the list grows past a screenful */
  type (f, one);
  g_assert_true (xapi_test_wait_for (searching_shown, f, TIMEOUT_MS));
  g_assert_cmpuint (n_rows (f), ==, 1);
  type (f, "vm-");
  g_assert_true (xapi_test_wait_for (searching_shown, f, TIMEOUT_MS));
  g_assert_cmpuint (n_rows (f), >=, N_VMS);

  /* narrowed and widened again before any frame (while the list view
   * still waits to grow), twice: no row stale, none missing */
  for (guint round = 0; round < 2; round++)
    {
      type (f, one);
      type_on (f, NULL, (int) strlen (one) - 3);   /* "vm-" */
      type_on (f, "0", 0);                         /* "vm-0" */
      g_assert_true (xapi_test_wait_for (searching_shown, f, TIMEOUT_MS));
      g_assert_cmpuint (n_rows (f), >, 64);
      type_on (f, NULL, 2);                        /* "vm" */
      g_assert_true (xapi_test_wait_for (searching_shown, f, TIMEOUT_MS));
      type_on (f, one + 2, 0);                     /* one again */
      g_assert_true (xapi_test_wait_for (searching_shown, f, TIMEOUT_MS));
      g_assert_cmpuint (n_rows (f), ==, 1);
      type_on (f, NULL, (int) strlen (one) - 3);   /* "vm-" */
    }
  g_assert_true (xapi_test_wait_for (searching_shown, f, TIMEOUT_MS));

  /* the search ended: the tree again */
  type (f, "");
  g_assert_true (xapi_test_wait_for (tree_shown, f, TIMEOUT_MS));
}

/* A list view of the sidebar's that is not shown (the tree's, while a
 * search is; not a drop-down's). */
static gboolean
is_hidden_list_view (GtkWidget *widget,
                     gpointer   data)
{
  return GTK_IS_LIST_VIEW (widget) && !gtk_widget_get_mapped (widget) &&
         GTK_IS_MULTI_SELECTION (gtk_list_view_get_model (GTK_LIST_VIEW (widget)));
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
ten_frames (gpointer data)
{
  return *(guint *) data >= 10;
}

/* A tree that gets long while a search hides it (a pool connected) grows
 * no further than a screenful until it is shown again: rows made while it
 * is hidden would all be measured in the frame that shows it (~200 rows,
 * 30 ms); shown, it grows to every row. */
static void
test_tree_grows_when_shown (Fixture       *f,
                            gconstpointer  data)
{
  GtkWidget *tree_view;
  GListModel *shown;
  guint frames = 0, tick;

  if (f->sim == NULL)
    return;
  g_assert_true (xapi_test_wait_for (pool_synced, f, TIMEOUT_MS));
  g_assert_true (xapi_test_wait_for (tree_shown, f, TIMEOUT_MS));
  g_list_store_remove_all (f->conns);
  type (f, "vm-");
  g_assert_true (xapi_test_wait_for (searching_shown, f, TIMEOUT_MS));
  tree_view = xp_test_find (GTK_WIDGET (f->sidebar), is_hidden_list_view, NULL);
  g_assert_nonnull (tree_view);

  g_list_store_append (f->conns, f->conn);
  tick = gtk_widget_add_tick_callback (GTK_WIDGET (f->window), tick_cb, &frames, NULL);
  g_assert_true (xapi_test_wait_for (ten_frames, &frames, TIMEOUT_MS));
  gtk_widget_remove_tick_callback (GTK_WIDGET (f->window), tick);
  g_assert_true (xapi_test_wait_for (searching_shown, f, TIMEOUT_MS));
  g_assert_cmpuint (n_rows (f), >=, N_VMS);
  shown = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (tree_view)));
  g_assert_cmpuint (g_list_model_get_n_items (shown), >, 1);
  g_assert_cmpuint (g_list_model_get_n_items (shown), <=, 64);

  type (f, "");
  g_assert_true (xapi_test_wait_for (tree_shown, f, TIMEOUT_MS));
  g_assert_cmpuint (n_rows (f), >, N_VMS);
}

/* Weak pointers to the child widgets of the rows the list view has now. */
static GPtrArray *
watch_rows (Fixture *f)
{
  GtkWidget *view = xp_sidebar_get_list_view (f->sidebar);
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);

  for (GtkWidget *row = gtk_widget_get_first_child (view); row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget **child = g_new0 (GtkWidget *, 1);

      g_set_weak_pointer (child, gtk_widget_get_first_child (row));
      g_ptr_array_add (rows, child);
    }
  return rows;
}

static guint
rows_alive (GPtrArray *rows)
{
  guint n = 0;

  for (guint i = 0; i < rows->len; i++)
    n += *(GtkWidget **) rows->pdata[i] != NULL;
  return n;
}

static void
unwatch_rows (GPtrArray *rows)
{
  for (guint i = 0; i < rows->len; i++)
    g_clear_weak_pointer ((GtkWidget **) rows->pdata[i]);
  g_ptr_array_unref (rows);
}

typedef struct {
  GPtrArray *rows;
  guint      n;
} RowsAlive;

static gboolean
rows_alive_at_most (gpointer data)
{
  RowsAlive *r = data;

  return rows_alive (r->rows) <= r->n;
}

/* A search narrowing from hundreds of rows to one lets go of the rows
 * it no longer shows: not in the same main-loop iteration (they are
 * finalized over later idles), but all of them in the end; and a
 * sidebar going away takes them all with it at once. */
static void
test_rows_let_go (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *view;
  GPtrArray *rows;
  RowsAlive alive;
  g_autofree char *one = NULL;

  if (f->sim == NULL)
    return;
  g_assert_true (xapi_test_wait_for (pool_synced, f, TIMEOUT_MS));
  g_assert_true (xapi_test_wait_for (tree_shown, f, TIMEOUT_MS));
  type (f, "vm-");
  g_assert_true (xapi_test_wait_for (searching_shown, f, TIMEOUT_MS));
  view = xp_sidebar_get_list_view (f->sidebar);
  one = g_strdup (row_name (gtk_widget_get_first_child (view)));
  g_assert_nonnull (one);

  rows = watch_rows (f);
  g_assert_cmpuint (rows->len, >=, 64);
  type (f, one);
  g_assert_cmpuint (n_rows (f), ==, 1);
  /* let go of, not finalized yet */
  g_assert_cmpuint (rows_alive (rows), ==, rows->len);
  alive.rows = rows;
  alive.n = 1;
  g_assert_true (xapi_test_wait_for (rows_alive_at_most, &alive, TIMEOUT_MS));
  g_assert_true (xapi_test_wait_for (searching_shown, f, TIMEOUT_MS));
  unwatch_rows (rows);

  /* again, and the window closed before any of them is finalized */
  type (f, "vm-");
  g_assert_true (xapi_test_wait_for (searching_shown, f, TIMEOUT_MS));
  rows = watch_rows (f);
  type (f, one);
  g_assert_cmpuint (rows_alive (rows), ==, rows->len);
  g_clear_pointer (&f->window, gtk_window_destroy);
  g_assert_cmpuint (rows_alive (rows), ==, 0);
  unwatch_rows (rows);
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add ("/shell/sidebar/search-rows", Fixture, NULL, fixture_setup, test_search_rows, fixture_teardown);
  g_test_add ("/shell/sidebar/rows-let-go", Fixture, NULL, fixture_setup, test_rows_let_go, fixture_teardown);
  g_test_add ("/shell/sidebar/tree-grows-when-shown", Fixture, NULL, fixture_setup, test_tree_grows_when_shown, fixture_teardown);
  return g_test_run ();
}

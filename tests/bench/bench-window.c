/* bench-window.c: the sidebar against a big pool (run-bench.sh, under Xvfb)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   bench-window URL
 *
 * A window holding only the sidebar (XpSidebar over one XapiConnection) is
 * shown, then the connection is opened.  Measured: time from the cache being
 * ready (open finished) to the first frame painted with the pool's rows in
 * the tree; longest main-loop iteration while syncing with the sidebar
 * attached; and the search filter: xp_tree_model_set_search() for a full VM
 * name, a common prefix and back to the tree, each until the next frame is
 * painted.  One JSON line.
 */
#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <string.h>
#include <xapi-cache.h>
#include <xapi-classes.h>
#include <xapi-connection.h>

#include "xp-sidebar.h"
#include "xp-tree-model.h"

static GPollFunc real_poll;
static gint64    poll_returned;
static gint64    longest_iteration;
static guint     paints;

static gint
timed_poll (GPollFD *fds,
            guint    n_fds,
            gint     timeout)
{
  gint64 now = g_get_monotonic_time ();
  gint ret;

  if (poll_returned != 0 && now - poll_returned > longest_iteration)
    longest_iteration = now - poll_returned;
  ret = real_poll (fds, n_fds, timeout);
  poll_returned = g_get_monotonic_time ();
  return ret;
}

static void
after_paint (GdkFrameClock *clock,
             gpointer       user_data)
{
  paints++;
}

static gboolean
wait_until (gboolean (*cond) (gpointer),
            gpointer   data,
            guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, TRUE);
    }
  return TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static guint paint_target;

static gboolean
painted (gpointer data)
{
  return paints >= paint_target;
}

/* Ask for a frame and wait until it has been painted; returns the time. */
static gint64
next_paint (GtkWidget *widget)
{
  paint_target = paints + 1;
  gtk_widget_queue_draw (widget);
  if (!wait_until (painted, NULL, 30000))
    g_error ("no frame painted");
  return g_get_monotonic_time ();
}

static gboolean
trust_anything (XapiConnection       *connection,
                const char           *host,
                GTlsCertificate      *certificate,
                const char           *sha256_fingerprint,
                GTlsCertificateFlags  errors,
                gpointer              user_data)
{
  return TRUE;
}

typedef struct {
  gboolean  done;
  gboolean  ok;
  GError   *error;
} OpenResult;

static void
opened (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  OpenResult *r = user_data;

  r->ok = xapi_connection_open_finish (XAPI_CONNECTION (source), result, &r->error);
  r->done = TRUE;
}

static gboolean
pool_rows_shown (gpointer data)
{
  /* the connection row and at least one child under it */
  return g_list_model_get_n_items (xp_tree_model_get_model (XP_TREE_MODEL (data))) >= 2;
}

/* Filter: returns ms until painted, sets *rows and *call_ms. */
static double
filter (XpTreeModel *tree,
        GtkWidget   *window,
        const char  *text,
        guint       *rows,
        double      *call_ms)
{
  gint64 t0 = g_get_monotonic_time (), t1, t2;

  xp_tree_model_set_search (tree, text);
  t1 = g_get_monotonic_time ();
  t2 = next_paint (window);
  *rows = g_list_model_get_n_items (xp_tree_model_get_model (tree));
  *call_ms = (t1 - t0) / 1000.0;
  return (t2 - t0) / 1000.0;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(XapiConnection) conn = NULL;
  g_autoptr(GListStore) store = NULL;
  GtkWidget *window, *sidebar;
  XpTreeModel *tree;
  OpenResult r = { 0 };
  gint64 t_open, t_ready, t_shown;
  double sync_iteration_ms;
  guint shown_rows, rows_name, rows_prefix, rows_clear;
  double call_name, call_prefix, call_clear, ms_name, ms_prefix, ms_clear;
  g_autofree char *name = NULL, *prefix = NULL;
  GListModel *vms;

  if (argc != 2)
    {
      g_printerr ("usage: %s URL\n", argv[0]);
      return 2;
    }
  if (!gtk_init_check ())
    {
      g_printerr ("no display\n");
      return 77;
    }
  adw_init ();
  real_poll = g_main_context_get_poll_func (NULL);
  g_main_context_set_poll_func (NULL, timed_poll);

  conn = xapi_connection_new (argv[1], "root");
  xapi_connection_set_password (conn, "password");
  xapi_connection_set_trust_func (conn, trust_anything, NULL, NULL);
  store = g_list_store_new (XAPI_TYPE_CONNECTION);
  g_list_store_append (store, conn);

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 900);
  sidebar = xp_sidebar_new (G_LIST_MODEL (store));
  gtk_window_set_child (GTK_WINDOW (window), sidebar);
  gtk_window_present (GTK_WINDOW (window));
  tree = xp_sidebar_get_tree_model (XP_SIDEBAR (sidebar));

  /* The window is on screen before the connection opens. */
  while (gtk_widget_get_frame_clock (window) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (after_paint), NULL);
  next_paint (window);

  longest_iteration = 0;
  poll_returned = 0;
  t_open = g_get_monotonic_time ();
  xapi_connection_open_async (conn, NULL, opened, &r);
  if (!wait_until (flag_set, &r.done, 600000))
    g_error ("sync did not finish");
  if (!r.ok)
    g_error ("sync failed: %s", r.error->message);
  t_ready = g_get_monotonic_time ();
  sync_iteration_ms = longest_iteration / 1000.0;

  if (!wait_until (pool_rows_shown, tree, 60000))
    g_error ("the pool never showed up in the sidebar");
  t_shown = next_paint (window);
  shown_rows = g_list_model_get_n_items (xp_tree_model_get_model (tree));

  /* A VM name from the middle of the pool, and its first three characters. */
  vms = xapi_cache_get_objects (xapi_connection_get_cache (conn), XAPI_TYPE_VM);
  {
    g_autoptr(XapiVm) vm = g_list_model_get_item (vms, g_list_model_get_n_items (vms) / 2);
    name = g_strdup (xapi_vm_get_name_label (vm));
    prefix = g_strndup (name, 3);
  }

  longest_iteration = 0;
  ms_name = filter (tree, window, name, &rows_name, &call_name);
  ms_prefix = filter (tree, window, prefix, &rows_prefix, &call_prefix);
  ms_clear = filter (tree, window, "", &rows_clear, &call_clear);

  printf ("{\"bench\":\"window\",\"client\":\"XpSidebar\",\"objects\":%u,"
          "\"open_to_ready_ms\":%.1f,\"ready_to_shown_ms\":%.1f,\"rows_shown\":%u,"
          "\"sync_longest_iteration_ms\":%.2f,"
          "\"filter\":["
          "{\"text\":\"%s\",\"rows\":%u,\"call_ms\":%.2f,\"to_paint_ms\":%.2f},"
          "{\"text\":\"%s\",\"rows\":%u,\"call_ms\":%.2f,\"to_paint_ms\":%.2f},"
          "{\"text\":\"\",\"rows\":%u,\"call_ms\":%.2f,\"to_paint_ms\":%.2f}],"
          "\"filter_longest_iteration_ms\":%.2f}\n",
          xapi_cache_get_n_objects (xapi_connection_get_cache (conn)),
          (t_ready - t_open) / 1000.0, (t_shown - t_ready) / 1000.0, shown_rows, sync_iteration_ms,
          name, rows_name, call_name, ms_name,
          prefix, rows_prefix, call_prefix, ms_prefix,
          rows_clear, call_clear, ms_clear,
          longest_iteration / 1000.0);
  fflush (stdout);
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}

/* bench-window.c: the sidebar against a big pool (run-bench.sh, under Xvfb)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   bench-window URL [CONTROL_URL]
 *
 * A window holding only the sidebar (XpSidebar over one XapiConnection) is
 * shown, then the connection is opened.  Measured: time from the cache being
 * ready (open finished) to the first frame painted with the pool's rows in
 * the tree; longest main-loop iteration while syncing with the sidebar
 * attached; the search filter: xp_tree_model_set_search() for a full VM
 * name, a common prefix and back to the tree, then typing a VM name one
 * character at a time and erasing it again, each until the next frame is
 * painted.  With CONTROL_URL (xapi-sim's control port), event storms too:
 * VM name_description changes (rows repainted, nothing moves) and VM
 * name_label changes (every renamed VM moves in the tree), the longest
 * iteration and the frames painted while each lasts.
 *
 * Iterations are timed twice: wall clock (what the user sees) and the main
 * thread's CPU time (what the code costs: on a loaded machine the wall
 * time also counts the time other processes held the CPU).  One JSON line.
 *
 * BENCH_WINDOW_LONG_US=N (a diagnosis aid) writes to stderr each iteration
 * longer than N µs as "LONG start end cpu" (monotonic µs, so that `perf
 * record -k CLOCK_MONOTONIC` samples can be matched to it) and the start of
 * each phase as "MARK time what".
 */
#include "config.h"

#include <adwaita.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <xapi-cache.h>
#include <xapi-classes.h>
#include <xapi-connection.h>
#include <xapi-rpc.h>

#include "xp-sidebar.h"
#include "xp-tree-model.h"

static GPollFunc real_poll;
static gint64    poll_returned;
static gint64    poll_returned_cpu;
static gint64    longest_iteration;
static gint64    longest_iteration_cpu;
static guint     paints;
static gint64    long_us;

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
iterations_reset (void)
{
  longest_iteration = longest_iteration_cpu = 0;
  poll_returned = poll_returned_cpu = 0;
}

static gint
timed_poll (GPollFD *fds,
            guint    n_fds,
            gint     timeout)
{
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_us ();
  gint ret;

  if (poll_returned != 0 && now - poll_returned > longest_iteration)
    longest_iteration = now - poll_returned;
  if (poll_returned_cpu != 0 && cpu - poll_returned_cpu > longest_iteration_cpu)
    longest_iteration_cpu = cpu - poll_returned_cpu;
  if (long_us > 0 && poll_returned != 0 && now - poll_returned > long_us)
    g_printerr ("LONG %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
                poll_returned, now, cpu - poll_returned_cpu);
  ret = real_poll (fds, n_fds, timeout);
  poll_returned = g_get_monotonic_time ();
  poll_returned_cpu = thread_cpu_us ();
  return ret;
}

static gint64 last_paint;        /* when the last frame was painted */
static guint  last_paint_rows;   /* the rows the list view shown had then */
static guint  list_view_rows (void);

/* Connected before any of the sidebar's: the time is that of the frame,
 * not of what the sidebar does once it is painted. */
static void
after_paint (GdkFrameClock *clock,
             gpointer       user_data)
{
  paints++;
  last_paint = g_get_monotonic_time ();
  last_paint_rows = list_view_rows ();
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
  return last_paint;
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

static guint plain_vms;

static gboolean
pool_rows_shown (gpointer data)
{
  /* the connection, the pool and every VM under it */
  return g_list_model_get_n_items (xp_tree_model_get_model (XP_TREE_MODEL (data))) >= 2 + plain_vms;
}

/* The VMs that are rows of the tree (not templates, snapshots or control
 * domains), in the cache's order. */
static GPtrArray *
plain_vms_of (XapiConnection *conn)
{
  GListModel *vms = xapi_cache_get_objects (xapi_connection_get_cache (conn), XAPI_TYPE_VM);
  GPtrArray *plain = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      XapiVm *vm = g_list_model_get_item (vms, i);

      if (!xapi_vm_get_is_a_template (vm) && !xapi_vm_get_is_a_snapshot (vm) &&
          !xapi_vm_get_is_control_domain (vm))
        g_ptr_array_add (plain, vm);
      else
        g_object_unref (vm);
    }
  return plain;
}

/* The filters are timed this many times each (the median is reported):
 * one run on this noisy machine varies by half. */
#define FILTER_RUNS 5

static double last_filter_cpu_ms;
static GtkWidget *bench_sidebar;

typedef struct {
  guint  rows;
  double call_ms;      /* xp_tree_model_set_search() */
  double to_paint_ms;  /* until the next frame is painted */
  double all_rows_ms;  /* until the list view shown has every row, painted */
} Filtered;

static guint
list_view_rows (void)
{
  GtkWidget *view = bench_sidebar != NULL ? xp_sidebar_get_list_view (XP_SIDEBAR (bench_sidebar)) : NULL;
  GtkSelectionModel *model = view != NULL ? gtk_list_view_get_model (GTK_LIST_VIEW (view)) : NULL;

  return model != NULL ? g_list_model_get_n_items (G_LIST_MODEL (model)) : 0;
}

/* A frame with all @data rows in the list view has been painted. */
static gboolean
painted_all (gpointer data)
{
  return last_paint_rows == GPOINTER_TO_UINT (data);
}

/* Filter: the times of *out (and last_filter_cpu_ms: main-thread CPU time
 * until painted); returns out->to_paint_ms. */
static double
filter (XpTreeModel *tree,
        GtkWidget   *window,
        const char  *text,
        Filtered    *out)
{
  gint64 t0 = g_get_monotonic_time (), t1, t2, t3;
  gint64 cpu0 = thread_cpu_us ();

  if (long_us > 0)
    g_printerr ("MARK %" G_GINT64_FORMAT " filter \"%s\"\n", t0, text);
  xp_tree_model_set_search (tree, text);
  t1 = g_get_monotonic_time ();
  t2 = next_paint (window);
  last_filter_cpu_ms = (thread_cpu_us () - cpu0) / 1000.0;
  out->rows = g_list_model_get_n_items (xp_tree_model_get_model (tree));
  if (!wait_until (painted_all, GUINT_TO_POINTER (out->rows), 30000))
    g_error ("the list view never showed all %u rows of \"%s\"", out->rows, text);
  t3 = last_paint;
  out->call_ms = (t1 - t0) / 1000.0;
  out->to_paint_ms = (t2 - t0) / 1000.0;
  out->all_rows_ms = (t3 - t0) / 1000.0;
  return out->to_paint_ms;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* The median of each time over @n runs, into @median. */
static void
filtered_median (const Filtered *runs,
                 guint           n,
                 Filtered       *median)
{
  double v[3][FILTER_RUNS];

  for (guint i = 0; i < n; i++)
    {
      v[0][i] = runs[i].call_ms;
      v[1][i] = runs[i].to_paint_ms;
      v[2][i] = runs[i].all_rows_ms;
    }
  for (guint k = 0; k < 3; k++)
    qsort (v[k], n, sizeof (double), compare_doubles);
  median->rows = runs[0].rows;
  median->call_ms = v[0][n / 2];
  median->to_paint_ms = v[1][n / 2];
  median->all_rows_ms = v[2][n / 2];
}

/* ---- storms (xapi-sim's control port) ---- */

typedef struct {
  GBytes   *reply;
  GError   *error;
  gboolean  done;
} Reply;

static void
control_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Reply *r = user_data;

  r->reply = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &r->error);
  r->done = TRUE;
}

/* Without blocking the main loop (events keep flowing meanwhile). */
static JsonNode *
control (SoupSession *session,
         const char  *base,
         const char  *path,
         const char  *body)
{
  g_autofree char *url = g_strconcat (base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (body ? "POST" : "GET", url);
  Reply r = { 0 };
  JsonNode *node;

  if (body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  soup_session_send_and_read_async (session, msg, G_PRIORITY_HIGH, NULL, control_done, &r);
  if (!wait_until (flag_set, &r.done, 30000))
    g_error ("control %s: no reply", path);
  if (r.error)
    g_error ("control %s: %s", path, r.error->message);
  if (soup_message_get_status (msg) != 200)
    g_error ("control %s: HTTP %u", path, soup_message_get_status (msg));
  node = json_from_string (g_bytes_get_data (r.reply, NULL), &r.error);
  g_bytes_unref (r.reply);
  if (node == NULL)
    g_error ("control %s: %s", path, r.error->message);
  return node;
}

static void
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
}

static void
marker_notify (GObject    *object,
               GParamSpec *pspec,
               gpointer    user_data)
{
  const char *marker = g_object_get_data (object, "bench-marker");

  if (marker != NULL && g_strcmp0 (xapi_vm_get_name_label (XAPI_VM (object)), marker) == 0)
    *(gboolean *) user_data = TRUE;
}

/* One storm: @field of VMs changed @rate times a second for @seconds, then
 * a marker rename that must arrive; the sidebar's idle work is let finish. */
static char *
storm (SoupSession *session,
       const char  *control_url,
       XapiVm      *marker_vm,
       const char  *field,
       double       rate,
       double       seconds,
       guint        phase)
{
  g_autofree char *body = NULL;
  g_autofree char *mutate = NULL;
  g_autofree char *marker = g_strdup_printf ("bench marker %u", phase);
  g_autoptr(JsonNode) reply = NULL;
  gboolean seen = FALSE, over = FALSE;
  gulong id;
  guint paints0;
  gint64 t0, t1;
  double wall_ms, cpu_ms;

  body = g_strdup_printf ("{\"rate\":%.0f,\"duration\":%.3f,\"class\":\"VM\",\"field\":\"%s\"}",
                          rate, seconds, field);
  g_object_set_data_full (G_OBJECT (marker_vm), "bench-marker", g_strdup (marker), g_free);
  id = g_signal_connect (marker_vm, "notify::name-label", G_CALLBACK (marker_notify), &seen);

  iterations_reset ();
  paints0 = paints;
  t0 = g_get_monotonic_time ();
  if (long_us > 0)
    g_printerr ("MARK %" G_GINT64_FORMAT " storm %s\n", t0, field);
  reply = control (session, control_url, "/storm", body);
  while (!over)
    {
      g_autoptr(JsonNode) stats = NULL;
      gboolean tick = FALSE;

      g_timeout_add_once (100, set_flag, &tick);
      wait_until (flag_set, &tick, 1000);
      stats = control (session, control_url, "/stats", NULL);
      over = !json_object_get_boolean_member (json_node_get_object (stats), "storming");
    }
  mutate = g_strdup_printf ("{\"class\":\"VM\",\"ref\":\"%s\",\"field\":\"name_label\",\"value\":\"%s\"}",
                            xapi_object_get_ref (XAPI_OBJECT (marker_vm)), marker);
  g_clear_pointer (&reply, json_node_unref);
  reply = control (session, control_url, "/mutate", mutate);
  if (!wait_until (flag_set, &seen, 120000))
    g_error ("storm marker not seen");
  /* the tree's coalesced updates run at idle priority */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  t1 = g_get_monotonic_time ();
  wall_ms = longest_iteration / 1000.0;
  cpu_ms = longest_iteration_cpu / 1000.0;
  g_signal_handler_disconnect (marker_vm, id);
  return g_strdup_printf ("{\"field\":\"%s\",\"rate\":%.0f,\"seconds\":%.1f,"
                          "\"longest_iteration_ms\":%.2f,\"longest_iteration_cpu_ms\":%.2f,"
                          "\"frames\":%u,\"fps\":%.1f}",
                          field, rate, seconds, wall_ms, cpu_ms,
                          paints - paints0, (paints - paints0) / ((t1 - t0) / 1e6));
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
  double sync_iteration_ms, sync_iteration_cpu_ms, filter_iteration_ms, filter_iteration_cpu_ms;
  guint shown_rows;
  Filtered runs[3][FILTER_RUNS], medians[3];
  double filter_max_ms = 0;
  g_autoptr(GString) typing = g_string_new (NULL);
  g_autoptr(GString) storms = g_string_new (NULL);
  double typing_max_ms = 0, typing_max_cpu_ms = 0;
  g_autofree char *name = NULL, *prefix = NULL;
  g_autoptr(GPtrArray) vms = NULL;

  if (argc != 2 && argc != 3)
    {
      g_printerr ("usage: %s URL [CONTROL_URL]\n", argv[0]);
      return 2;
    }
  /* as xenpools does */
  xapi_tls_trust_no_authority ();
  if (!gtk_init_check ())
    {
      g_printerr ("no display\n");
      return 77;
    }
  adw_init ();
  real_poll = g_main_context_get_poll_func (NULL);
  if (g_getenv ("BENCH_WINDOW_LONG_US") != NULL)
    long_us = g_ascii_strtoll (g_getenv ("BENCH_WINDOW_LONG_US"), NULL, 10);
  g_main_context_set_poll_func (NULL, timed_poll);

  conn = xapi_connection_new (argv[1], "root");
  xapi_connection_set_password (conn, "password");
  xapi_connection_set_trust_func (conn, trust_anything, NULL, NULL);
  store = g_list_store_new (XAPI_TYPE_CONNECTION);
  g_list_store_append (store, conn);

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 900);
  sidebar = bench_sidebar = xp_sidebar_new (G_LIST_MODEL (store));
  gtk_window_set_child (GTK_WINDOW (window), sidebar);
  gtk_window_present (GTK_WINDOW (window));
  tree = xp_sidebar_get_tree_model (XP_SIDEBAR (sidebar));

  /* The window is on screen before the connection opens. */
  while (gtk_widget_get_frame_clock (window) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (after_paint), NULL);
  next_paint (window);

  iterations_reset ();
  t_open = g_get_monotonic_time ();
  xapi_connection_open_async (conn, NULL, opened, &r);
  if (!wait_until (flag_set, &r.done, 600000))
    g_error ("sync did not finish");
  if (!r.ok)
    g_error ("sync failed: %s", r.error->message);
  t_ready = g_get_monotonic_time ();

  vms = plain_vms_of (conn);
  plain_vms = vms->len;
  if (!wait_until (pool_rows_shown, tree, 60000))
    g_error ("the pool never showed up in the sidebar");
  t_shown = next_paint (window);
  /* the sync, and what the sidebar does right after it */
  sync_iteration_ms = longest_iteration / 1000.0;
  sync_iteration_cpu_ms = longest_iteration_cpu / 1000.0;
  shown_rows = g_list_model_get_n_items (xp_tree_model_get_model (tree));

  /* A VM name from the middle of the pool (a row of the tree: a control
   * domain would match nothing), and its first three characters. */
  name = g_strdup (xapi_vm_get_name_label (vms->pdata[vms->len / 2]));
  prefix = g_strndup (name, 3);

  /* A VM's name (1 row), its prefix (all VMs), back to the tree. */
  iterations_reset ();
  for (guint run = 0; run < FILTER_RUNS; run++)
    {
      const char *texts[3] = { name, prefix, "" };

      for (guint k = 0; k < 3; k++)
        {
          double ms = filter (tree, window, texts[k], &runs[k][run]);

          filter_max_ms = MAX (filter_max_ms, ms);
        }
    }
  for (guint k = 0; k < 3; k++)
    filtered_median (runs[k], FILTER_RUNS, &medians[k]);

  /* Typing the name one character at a time, then erasing it. */
  {
    gsize len = strlen (name);

    for (gsize i = 1; i <= 2 * len; i++)
      {
        g_autofree char *text = g_strndup (name, i <= len ? i : 2 * len - i);
        Filtered f;
        double ms = filter (tree, window, text, &f);

        typing_max_ms = MAX (typing_max_ms, ms);
        typing_max_cpu_ms = MAX (typing_max_cpu_ms, last_filter_cpu_ms);
        g_string_append_printf (typing, "%s{\"text\":\"%s\",\"rows\":%u,\"to_paint_ms\":%.2f,\"cpu_ms\":%.2f}",
                                typing->len ? "," : "", text, f.rows, ms, last_filter_cpu_ms);
      }
  }
  filter_iteration_ms = longest_iteration / 1000.0;
  filter_iteration_cpu_ms = longest_iteration_cpu / 1000.0;

  if (argc == 3)
    {
      g_autoptr(SoupSession) session = soup_session_new ();
      XapiVm *marker_vm = vms->pdata[vms->len / 3];
      g_autofree char *a = storm (session, argv[2], marker_vm, "name_description", 2000, 3, 1);
      g_autofree char *b = storm (session, argv[2], marker_vm, "name_label", 2000, 3, 2);

      g_string_append_printf (storms, "%s,%s", a, b);
    }

  printf ("{\"bench\":\"window\",\"client\":\"XpSidebar\",\"objects\":%u,"
          "\"open_to_ready_ms\":%.1f,\"ready_to_shown_ms\":%.1f,\"rows_shown\":%u,"
          "\"sync_longest_iteration_ms\":%.2f,\"sync_longest_iteration_cpu_ms\":%.2f,"
          "\"filter_runs\":%u,\"filter_max_ms\":%.2f,\"filter\":["
          "{\"text\":\"%s\",\"rows\":%u,\"call_ms\":%.2f,\"to_paint_ms\":%.2f,\"all_rows_ms\":%.2f},"
          "{\"text\":\"%s\",\"rows\":%u,\"call_ms\":%.2f,\"to_paint_ms\":%.2f,\"all_rows_ms\":%.2f},"
          "{\"text\":\"\",\"rows\":%u,\"call_ms\":%.2f,\"to_paint_ms\":%.2f,\"all_rows_ms\":%.2f}],"
          "\"typing\":[%s],\"typing_max_ms\":%.2f,\"typing_max_cpu_ms\":%.2f,"
          "\"filter_longest_iteration_ms\":%.2f,\"filter_longest_iteration_cpu_ms\":%.2f,"
          "\"storms\":[%s]}\n",
          xapi_cache_get_n_objects (xapi_connection_get_cache (conn)),
          (t_ready - t_open) / 1000.0, (t_shown - t_ready) / 1000.0, shown_rows,
          sync_iteration_ms, sync_iteration_cpu_ms,
          FILTER_RUNS, filter_max_ms,
          name, medians[0].rows, medians[0].call_ms, medians[0].to_paint_ms, medians[0].all_rows_ms,
          prefix, medians[1].rows, medians[1].call_ms, medians[1].to_paint_ms, medians[1].all_rows_ms,
          medians[2].rows, medians[2].call_ms, medians[2].to_paint_ms, medians[2].all_rows_ms,
          typing->str, typing_max_ms, typing_max_cpu_ms,
          filter_iteration_ms, filter_iteration_cpu_ms,
          storms->str);
  fflush (stdout);
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}

/* xapi-bench.c: libxapi benchmarks against a running xapi-sim
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   xapi-bench sync  URL
 *       Log in and load everything (xapi_connection_open_async until
 *       CONNECTED: the cache is complete).  One JSON line: wall and CPU time
 *       of that, peak RSS, RSS afterwards, object counts, longest main-loop
 *       iteration.
 *
 *   xapi-bench storm URL CONTROL_URL RATE:SECONDS [RATE:SECONDS...]
 *       Sync, then for each phase ask the simulator (POST /storm) to change
 *       STORM_FIELD (default name_description) of every STORM_CLASS (default
 *       VM) object in turn, RATE times per second for SECONDS, with a
 *       notify::<field> handler on every cached object of that class.  The
 *       simulator writes "storm N" into a string field and N into an int
 *       field (VM_metrics memory_actual), where N counts its changes, so
 *       change N of a phase started at T happened at about T + (N - N0) / RATE
 *       (its 10 ms ticks make that up to 10 ms early: latencies are slightly
 *       overstated).  After the phase a marker change (POST /mutate of a VM
 *       name_label) is awaited, so every earlier event has arrived.  One JSON
 *       line per phase: notifications, their rate, latency percentiles,
 *       longest main-loop iteration, client CPU, and the changes covered:
 *       event.from coalesces the changes of one object between two batches,
 *       so a notification with value N also stands for the earlier changes
 *       of that object since the last value notified (N - k * OBJECTS, the
 *       simulator changes the objects in a fixed round); each such change
 *       counts as applied when the value that superseded it was notified,
 *       with its own latency (due time of that change -> notification).
 *
 * Main-loop iterations are timed by a poll function wrapper: the time
 * between one poll() returning and the next one starting is the work of one
 * iteration (check + dispatch + prepare).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <libsoup/soup.h>

#include "xapi-connection.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-rpc.h"

/* ---------------------------------------------------------------- timing */

static GPollFunc real_poll;
static gint64    poll_returned;      /* 0 = not measuring */
static gint64    longest_iteration;  /* µs */

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
iterations_reset (void)
{
  longest_iteration = 0;
  poll_returned = g_get_monotonic_time ();
}

static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU time of the simulator (XAPI_BENCH_SIM_PID), or -1. */
static double
sim_cpu_seconds (void)
{
  const char *pid = g_getenv ("XAPI_BENCH_SIM_PID");
  g_autofree char *path = NULL, *stat = NULL;
  unsigned long utime, stime;
  const char *p;

  if (pid == NULL)
    return -1;
  path = g_strdup_printf ("/proc/%s/stat", pid);
  if (!g_file_get_contents (path, &stat, NULL, NULL) || (p = strrchr (stat, ')')) == NULL)
    return -1;
  /* after "pid (comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
  if (sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return -1;
  return (double) (utime + stime) / sysconf (_SC_CLK_TCK);
}

static long
peak_rss_kb (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static long
current_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line ? strtol (line + 6, NULL, 10) : -1;
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

/* Iterate the default context until @cond or @timeout_ms. */
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

/* ---------------------------------------------------------------- control endpoint */

typedef struct {
  gboolean  done;
  GBytes   *reply;
  GError   *error;
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
  if (!wait_until (flag_is_set, &r.done, 30000))
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

/* ---------------------------------------------------------------- sync */

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

static XapiConnection *
sync_pool (const char *url,
           GString    *json)
{
  XapiConnection *conn;
  OpenResult r = { 0 };
  gint64 t0;
  double cpu0, wall, cpu;
  long rss0 = current_rss_kb ();
  XapiCache *cache;

  iterations_reset ();
  t0 = g_get_monotonic_time ();
  cpu0 = cpu_seconds ();
  conn = xapi_connection_new (url, "root");
  xapi_connection_set_password (conn, "password");
  xapi_connection_set_originator (conn, "xapi-bench");
  xapi_connection_set_trust_func (conn, trust_anything, NULL, NULL);
  xapi_connection_open_async (conn, NULL, opened, &r);
  if (!wait_until (flag_is_set, &r.done, 600000))
    g_error ("sync did not finish");
  if (!r.ok)
    g_error ("sync failed: %s", r.error->message);
  wall = (g_get_monotonic_time () - t0) / 1e6;
  cpu = cpu_seconds () - cpu0;

  cache = xapi_connection_get_cache (conn);
  g_string_append_printf (json,
                          "\"client\":\"libxapi\",\"wall_s\":%.3f,\"cpu_s\":%.3f,"
                          "\"peak_rss_kb\":%ld,\"rss_before_kb\":%ld,\"rss_after_kb\":%ld,"
                          "\"objects\":%u,\"vms\":%u,\"longest_iteration_ms\":%.2f",
                          wall, cpu, peak_rss_kb (), rss0, current_rss_kb (),
                          xapi_cache_get_n_objects (cache),
                          g_list_model_get_n_items (xapi_cache_get_objects (cache, XAPI_TYPE_VM)),
                          longest_iteration / 1000.0);
  return conn;
}

/* ---------------------------------------------------------------- storm */

typedef struct {
  gint64   t_start;     /* µs, when /storm was sent */
  double   rate;
  guint64  base;        /* storm counter before this phase */
  guint64  limit;       /* no value of this phase can be above (int fields hold other numbers too) */
  guint64  max_seen;
  GArray  *latencies;   /* double, ms: per notification */
  GArray  *change_latencies;   /* double, ms: per change covered */
  guint64  irregular;   /* notifications whose value is not a whole round after the last one */
  guint    n_objects;   /* objects of the storm class: the simulator's round */
  guint64  expected;    /* changes of the phase, once it is over */
  gint64   last_notify;
  char    *marker;
  gboolean marker_seen;
  guint    batches;     /* "batch-applied" emissions in this phase */
  guint64  batch_events;
  const XapiFieldInfo *field;
  GQuark   last_quark;  /* per object: the last storm value notified */
} Storm;

static Storm storm;

/* The storm counter in the field's value, or 0. */
static guint64
storm_value (GObject *object)
{
  const guint8 *base = (const guint8 *) object;

  if (storm.field->kind == XAPI_FIELD_INT)
    {
      gint64 v = G_STRUCT_MEMBER (gint64, object, storm.field->offset);
      return v > 0 ? (guint64) v : 0;
    }
  if (storm.field->kind == XAPI_FIELD_FLOAT)
    {
      double v = G_STRUCT_MEMBER (double, object, storm.field->offset);
      return v > 0 && v < 1e18 ? (guint64) v : 0;
    }
  if (storm.field->kind == XAPI_FIELD_STRING)
    {
      const char *v = *(const char *const *) (base + storm.field->offset);
      if (v && g_str_has_prefix (v, "storm "))
        return g_ascii_strtoull (v + 6, NULL, 10);
    }
  return 0;
}

static double
due_latency_ms (gint64  now,
                guint64 n)
{
  double due = storm.t_start + (double) (n - storm.base) * 1e6 / storm.rate;
  return (now - due) / 1000.0;
}

static void
storm_field_changed (GObject    *object,
                     GParamSpec *pspec,
                     gpointer    user_data)
{
  gint64 now = g_get_monotonic_time ();
  guint64 n = storm_value (object);
  guint64 prev = GPOINTER_TO_SIZE (g_object_get_qdata (object, storm.last_quark));
  guint64 round = MAX (storm.n_objects, 1);
  double lat;

  if (n <= storm.base || n > storm.limit || n == prev)
    return;   /* from an earlier phase, not a storm value, or no change of the storm */
  if (n > storm.max_seen)
    storm.max_seen = n;
  lat = due_latency_ms (now, n);
  g_array_append_val (storm.latencies, lat);
  storm.last_notify = now;

  /* The changes this value covers: N, N - round, ... down to the last value
   * notified for this object, or to the start of the phase. */
  if (prev <= storm.base || prev >= n || (n - prev) % round != 0)
    {
      if (prev > storm.base && prev < n)
        storm.irregular++;
      prev = n - round * ((n - storm.base - 1) / round) - round;
    }
  for (guint64 m = prev + round; m <= n; m += round)
    {
      double l = due_latency_ms (now, m);
      g_array_append_val (storm.change_latencies, l);
    }
  g_object_set_qdata (object, storm.last_quark, GSIZE_TO_POINTER ((gsize) n));
}

static void
batch_applied (XapiCache *cache,
               guint      n_events,
               gpointer   user_data)
{
  storm.batches++;
  storm.batch_events += n_events;
}

static void
label_changed (GObject    *object,
               GParamSpec *pspec,
               gpointer    user_data)
{
  if (storm.marker && g_strcmp0 (xapi_vm_get_name_label (XAPI_VM (object)), storm.marker) == 0)
    storm.marker_seen = TRUE;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
percentile (GArray *sorted,
            double  p)
{
  guint i;

  if (sorted->len == 0)
    return 0;
  i = (guint) (p / 100.0 * (sorted->len - 1) + 0.5);
  return g_array_index (sorted, double, MIN (i, sorted->len - 1));
}

typedef struct {
  SoupSession *session;
  const char  *control_url;
} StatsPoll;

static void
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
}

static gboolean
storm_over (gpointer data)
{
  StatsPoll *p = data;
  g_autoptr(JsonNode) stats = control (p->session, p->control_url, "/stats", NULL);

  return !json_object_get_boolean_member (json_node_get_object (stats), "storming");
}

static gboolean
all_covered (gpointer data)
{
  return storm.change_latencies->len >= storm.expected;
}

static guint64
sim_storm_counter (SoupSession *session,
                   const char  *control_url)
{
  g_autoptr(JsonNode) stats = control (session, control_url, "/stats", NULL);
  JsonObject *o = json_node_get_object (stats);

  if (!json_object_has_member (o, "storm_counter"))
    g_error ("this xapi-sim has no storm_counter in /stats");
  return (guint64) json_object_get_int_member (o, "storm_counter");
}

static void
run_phase (XapiConnection *conn,
           SoupSession    *session,
           const char     *control_url,
           const char     *storm_class,
           const char     *storm_field,
           double          rate,
           double          seconds,
           const char     *marker_ref,
           guint           phase)
{
  g_autofree char *body = NULL;
  g_autofree char *mutate = NULL;
  g_autoptr(JsonNode) reply = NULL;
  StatsPoll poll = { session, control_url };
  double cpu0, cpu, span, drain, sim0, sim1;
  gint64 t_end;
  guint n, nc;
  guint64 counter_end;

  g_array_set_size (storm.latencies, 0);
  g_array_set_size (storm.change_latencies, 0);
  storm.irregular = 0;
  storm.base = storm.max_seen = sim_storm_counter (session, control_url);
  storm.limit = storm.base + (guint64) (rate * seconds * 2) + 1000;
  storm.rate = rate;
  storm.marker_seen = FALSE;
  storm.batches = 0;
  storm.batch_events = 0;
  g_free (storm.marker);
  /* unique per run too: a name the VM already has would change nothing */
  storm.marker = g_strdup_printf ("bench marker %u %" G_GUINT64_FORMAT, phase, storm.base);
  body = g_strdup_printf ("{\"rate\":%.0f,\"duration\":%.3f,\"class\":\"%s\",\"field\":\"%s\"}",
                          rate, seconds, storm_class, storm_field);

  cpu0 = cpu_seconds ();
  sim0 = sim_cpu_seconds ();
  iterations_reset ();
  storm.t_start = g_get_monotonic_time ();
  reply = control (session, control_url, "/storm", body);

  /* Wait for the simulator to finish (asked every 100 ms, events flow meanwhile). */
  while (!storm_over (&poll))
    {
      gboolean tick = FALSE;
      g_timeout_add_once (100, set_flag, &tick);
      wait_until (flag_is_set, &tick, 1000);
    }
  t_end = storm.t_start + (gint64) (seconds * 1e6);

  /* Then a marker: once it is seen, every earlier change has arrived. */
  mutate = g_strdup_printf ("{\"class\":\"VM\",\"ref\":\"%s\",\"field\":\"name_label\",\"value\":\"%s\"}",
                            marker_ref, storm.marker);
  g_clear_pointer (&reply, json_node_unref);
  reply = control (session, control_url, "/mutate", mutate);
  if (!wait_until (flag_is_set, &storm.marker_seen, 120000))
    g_error ("marker not seen");
  /* The batch with the marker may be applied in chunks, the marker's first:
   * then wait for the rest of it (every change covered), a while. */
  counter_end = sim_storm_counter (session, control_url);
  storm.expected = counter_end - storm.base;
  wait_until (all_covered, NULL, 10000);
  drain = (g_get_monotonic_time () - t_end) / 1000.0;
  cpu = cpu_seconds () - cpu0;
  sim1 = sim_cpu_seconds ();

  n = storm.latencies->len;
  nc = storm.change_latencies->len;
  span = (MAX (storm.last_notify, t_end) - storm.t_start) / 1e6;
  g_array_sort (storm.latencies, compare_double);
  g_array_sort (storm.change_latencies, compare_double);
  printf ("{\"bench\":\"storm\",\"client\":\"libxapi\",\"class\":\"%s\",\"field\":\"%s\","
          "\"objects\":%u,\"rate\":%.0f,\"seconds\":%.3f,"
          "\"server_changes\":%" G_GUINT64_FORMAT ",\"notifications\":%u,\"notify_per_s\":%.0f,"
          "\"latency_ms\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"max\":%.2f},"
          "\"changes_covered\":%u,\"covered_per_s\":%.0f,\"irregular\":%" G_GUINT64_FORMAT ","
          "\"change_latency_ms\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"max\":%.2f},"
          "\"drain_ms\":%.1f,\"longest_iteration_ms\":%.2f,\"cpu_s\":%.3f,\"cpu_per_notify_us\":%.2f,"
          "\"sim_cpu_s\":%.2f,\"wall_s\":%.3f,\"batches\":%u,\"events_per_batch\":%.1f}\n",
          storm_class, storm_field, storm.n_objects, rate, seconds, counter_end - storm.base, n, n / span,
          percentile (storm.latencies, 50), percentile (storm.latencies, 90),
          percentile (storm.latencies, 99), percentile (storm.latencies, 100),
          nc, nc / span, storm.irregular,
          percentile (storm.change_latencies, 50), percentile (storm.change_latencies, 90),
          percentile (storm.change_latencies, 99), percentile (storm.change_latencies, 100),
          drain, longest_iteration / 1000.0, cpu, n ? cpu * 1e6 / n : 0.0,
          sim0 < 0 ? -1.0 : sim1 - sim0, (g_get_monotonic_time () - storm.t_start) / 1e6,
          storm.batches, storm.batches ? (double) storm.batch_events / storm.batches : 0.0);
  fflush (stdout);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GString) json = g_string_new ("{\"bench\":\"sync\",");
  g_autoptr(XapiConnection) conn = NULL;

  if (argc < 3 || (strcmp (argv[1], "sync") != 0 && strcmp (argv[1], "storm") != 0)
      || (strcmp (argv[1], "storm") == 0 && argc < 5))
    {
      g_printerr ("usage: %s sync URL | storm URL CONTROL_URL RATE:SECONDS...\n", argv[0]);
      return 2;
    }
  /* as xenpools does */
  xapi_tls_trust_no_authority ();

  real_poll = g_main_context_get_poll_func (NULL);
  g_main_context_set_poll_func (NULL, timed_poll);

  conn = sync_pool (argv[2], json);
  g_string_append (json, "}");
  printf ("%s\n", json->str);
  fflush (stdout);

  if (strcmp (argv[1], "storm") == 0)
    {
      g_autoptr(SoupSession) session = soup_session_new ();
      const char *storm_class = g_getenv ("STORM_CLASS") ? g_getenv ("STORM_CLASS") : "VM";
      const char *storm_field = g_getenv ("STORM_FIELD") ? g_getenv ("STORM_FIELD") : "name_description";
      const XapiClassInfo *info = xapi_class_info_lookup (storm_class);
      GListModel *vms = xapi_cache_get_objects (xapi_connection_get_cache (conn), XAPI_TYPE_VM);
      GListModel *objects;
      g_autofree char *signal = NULL;
      g_autoptr(XapiVm) marker_vm = NULL;

      if (info == NULL || (storm.field = xapi_class_info_find_field (info, storm_field)) == NULL
          || (storm.field->kind != XAPI_FIELD_STRING && storm.field->kind != XAPI_FIELD_INT
              && storm.field->kind != XAPI_FIELD_FLOAT))
        g_error ("STORM_CLASS/STORM_FIELD: no string, int or float field %s.%s", storm_class, storm_field);
      objects = xapi_cache_get_objects (xapi_connection_get_cache (conn), info->get_type ());
      storm.n_objects = g_list_model_get_n_items (objects);
      storm.last_quark = g_quark_from_static_string ("xapi-bench-storm-last");
      signal = g_strdelimit (g_strconcat ("notify::", storm_field, NULL), "_", '-');
      storm.latencies = g_array_sized_new (FALSE, FALSE, sizeof (double), 1 << 20);
      storm.change_latencies = g_array_sized_new (FALSE, FALSE, sizeof (double), 1 << 20);
      for (guint i = 0; i < storm.n_objects; i++)
        {
          g_autoptr(GObject) object = g_list_model_get_item (objects, i);
          g_signal_connect (object, signal, G_CALLBACK (storm_field_changed), NULL);
        }
      marker_vm = g_list_model_get_item (vms, 0);
      g_signal_connect (xapi_connection_get_cache (conn), "batch-applied", G_CALLBACK (batch_applied), NULL);
      g_signal_connect (marker_vm, "notify::name-label", G_CALLBACK (label_changed), NULL);

      for (int i = 4; i < argc; i++)
        {
          double rate = 0, seconds = 0;
          if (sscanf (argv[i], "%lf:%lf", &rate, &seconds) != 2 || rate <= 0 || seconds <= 0)
            g_error ("bad phase %s", argv[i]);
          run_phase (conn, session, argv[3], storm_class, storm_field, rate, seconds,
                     xapi_object_get_ref (XAPI_OBJECT (marker_vm)), (guint) i);
        }
      g_array_unref (storm.latencies);
      g_array_unref (storm.change_latencies);
      g_free (storm.marker);
    }
  return 0;
}

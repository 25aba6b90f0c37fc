/* bench-console-client.c: XpVncDisplay in a window, for the console benchmark
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * usage: bench-console-client PORT WIDTH HEIGHT [COUNT]
 * Connects COUNT (default 1) displays to an RFB server on 127.0.0.1:PORT and
 * shows them in one WIDTHxHEIGHT window: one at 1:1, several in a grid,
 * scaled to fit.  Prints "CONNECTED <w>x<h>" per display and, once all are
 * connected, "OPENED <ms> <longest iteration ms> <its CPU ms>" for the
 * opening.  On SIGUSR1 prints "FRAMES <n>" (frame textures built over all
 * displays, each drawn once) and "STALL <longest ms> <p99 ms> <longest CPU
 * ms> <iterations>" for the main-loop iterations since the previous
 * SIGUSR1; exits on SIGTERM.
 *
 * A main-loop iteration is timed from g_main_context_iteration() to its
 * return minus the time spent in poll(): the longest one is the longest
 * time input would have waited.  Its CPU time (this thread's) is what a
 * loaded machine cannot inflate.
 */

#include "config.h"

#include <glib-unix.h>
#include <gtk/gtk.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "xp-vnc-display.h"

#define MAX_DISPLAYS 64

static XpVncDisplay *displays[MAX_DISPLAYS];
static int n_displays = 1;
static int n_connected;
static gboolean quit;
static gint64 opened_at;

static GPollFunc default_poll;
static gint64 poll_time;
static GArray *iterations;   /* gint64 wall µs outside poll, per iteration */
static gint64 longest_cpu;

static gint
timing_poll (GPollFD *fds,
             guint    nfds,
             gint     timeout)
{
  gint64 start = g_get_monotonic_time ();
  gint result = default_poll (fds, nfds, timeout);

  poll_time += g_get_monotonic_time () - start;
  return result;
}

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static int
cmp_int64 (gconstpointer a,
           gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Longest and 99th percentile of the iterations so far, then start over. */
static void
take_stall (double *longest_ms,
            double *p99_ms,
            double *cpu_ms,
            guint  *n)
{
  *n = iterations->len;
  *longest_ms = *p99_ms = 0;
  if (iterations->len > 0)
    {
      g_array_sort (iterations, cmp_int64);
      *longest_ms = g_array_index (iterations, gint64, iterations->len - 1) / 1000.0;
      *p99_ms = g_array_index (iterations, gint64, (iterations->len - 1) * 99 / 100) / 1000.0;
    }
  *cpu_ms = longest_cpu / 1000.0;
  g_array_set_size (iterations, 0);
  longest_cpu = 0;
}

static gboolean
on_usr1 (gpointer data)
{
  guint64 frames = 0;
  double longest, p99, cpu;
  guint n;

  for (int i = 0; i < n_displays; i++)
    frames += xp_vnc_display_get_frame_count (displays[i]);
  take_stall (&longest, &p99, &cpu, &n);
  printf ("FRAMES %" G_GUINT64_FORMAT "\n", frames);
  printf ("STALL %.2f %.2f %.2f %u\n", longest, p99, cpu, n);
  fflush (stdout);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_term (gpointer data)
{
  quit = TRUE;
  return G_SOURCE_REMOVE;
}

static void
on_connected (XpVncDisplay *d, gpointer data)
{
  printf ("CONNECTED %dx%d\n", xp_vnc_display_get_width (d), xp_vnc_display_get_height (d));
  if (++n_connected == n_displays)
    {
      double longest, p99, cpu;
      guint n;

      take_stall (&longest, &p99, &cpu, &n);
      printf ("OPENED %.1f %.2f %.2f\n", (g_get_monotonic_time () - opened_at) / 1000.0, longest, cpu);
    }
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  g_autoptr(GSocketClient) client = NULL;
  GtkWindow *window;
  GtkWidget *grid;
  int cols;

  if (argc < 4)
    {
      fprintf (stderr, "usage: %s PORT WIDTH HEIGHT [COUNT]\n", argv[0]);
      return 2;
    }
  if (argc > 4)
    n_displays = CLAMP (atoi (argv[4]), 1, MAX_DISPLAYS);
  gtk_init ();
  iterations = g_array_new (FALSE, FALSE, sizeof (gint64));
  default_poll = g_main_context_get_poll_func (NULL);
  g_main_context_set_poll_func (NULL, timing_poll);

  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_decorated (window, FALSE);
  gtk_window_set_default_size (window, atoi (argv[2]), atoi (argv[3]));
  grid = gtk_grid_new ();
  gtk_grid_set_row_homogeneous (GTK_GRID (grid), TRUE);
  gtk_grid_set_column_homogeneous (GTK_GRID (grid), TRUE);
  gtk_window_set_child (window, grid);
  for (cols = 1; cols * cols < n_displays; cols++)
    ;
  for (int i = 0; i < n_displays; i++)
    {
      displays[i] = XP_VNC_DISPLAY (xp_vnc_display_new ());
      xp_vnc_display_set_scaling (displays[i], n_displays == 1 ? XP_VNC_SCALING_NONE : XP_VNC_SCALING_FIT);
      gtk_widget_set_hexpand (GTK_WIDGET (displays[i]), TRUE);
      gtk_widget_set_vexpand (GTK_WIDGET (displays[i]), TRUE);
      gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (displays[i]), i % cols, i / cols, 1, 1);
      g_signal_connect (displays[i], "connected", G_CALLBACK (on_connected), NULL);
    }
  gtk_window_present (window);

  /* all at once */
  opened_at = g_get_monotonic_time ();
  client = g_socket_client_new ();
  for (int i = 0; i < n_displays; i++)
    {
      g_autoptr(GSocketConnection) connection = NULL;
      g_autoptr(GError) error = NULL;

      connection = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) atoi (argv[1]), NULL, &error);
      if (connection == NULL)
        {
          fprintf (stderr, "connect: %s\n", error->message);
          return 1;
        }
      xp_vnc_display_open_fd (displays[i], dup (g_socket_get_fd (g_socket_connection_get_socket (connection))));
    }

  g_unix_signal_add (SIGUSR1, on_usr1, NULL);
  g_unix_signal_add (SIGTERM, on_term, NULL);
  while (!quit)
    {
      gint64 start = g_get_monotonic_time ();
      gint64 cpu = thread_cpu_us ();
      gint64 busy;

      poll_time = 0;
      g_main_context_iteration (NULL, TRUE);
      busy = g_get_monotonic_time () - start - poll_time;
      g_array_append_val (iterations, busy);
      longest_cpu = MAX (longest_cpu, thread_cpu_us () - cpu);
    }

  gtk_window_destroy (window);
  g_array_unref (iterations);
  return 0;
}

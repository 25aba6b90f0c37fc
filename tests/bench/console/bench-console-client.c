/* bench-console-client.c: XpVncDisplay in a window, for the console benchmark
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * usage: bench-console-client PORT WIDTH HEIGHT
 * Connects to an RFB server on 127.0.0.1:PORT and shows it 1:1.  On SIGUSR1
 * prints "FRAMES <n>" (frame textures built, each drawn once); exits on
 * SIGTERM.
 */

#include "config.h"

#include <glib-unix.h>
#include <gtk/gtk.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "xp-vnc-display.h"

static XpVncDisplay *display;
static gboolean quit;

static gboolean
on_usr1 (gpointer data)
{
  printf ("FRAMES %" G_GUINT64_FORMAT "\n", xp_vnc_display_get_frame_count (display));
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
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GtkWindow *window;
  GSocket *socket;
  int fd;

  if (argc < 4)
    {
      fprintf (stderr, "usage: %s PORT WIDTH HEIGHT\n", argv[0]);
      return 2;
    }
  gtk_init ();

  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_decorated (window, FALSE);
  gtk_window_set_default_size (window, atoi (argv[2]), atoi (argv[3]));
  display = XP_VNC_DISPLAY (xp_vnc_display_new ());
  xp_vnc_display_set_scaling (display, XP_VNC_SCALING_NONE);
  gtk_window_set_child (window, GTK_WIDGET (display));
  g_signal_connect (display, "connected", G_CALLBACK (on_connected), NULL);
  gtk_window_present (window);

  client = g_socket_client_new ();
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) atoi (argv[1]), NULL, &error);
  if (connection == NULL)
    {
      fprintf (stderr, "connect: %s\n", error->message);
      return 1;
    }
  socket = g_socket_connection_get_socket (connection);
  fd = dup (g_socket_get_fd (socket));
  xp_vnc_display_open_fd (display, fd);

  g_unix_signal_add (SIGUSR1, on_usr1, NULL);
  g_unix_signal_add (SIGTERM, on_term, NULL);
  while (!quit)
    g_main_context_iteration (NULL, TRUE);

  gtk_window_destroy (window);
  return 0;
}

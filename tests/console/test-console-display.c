/* test-console-display.c: XpVncDisplay against vnc-test-server, under a private Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gtk/gtk.h>
#include <stdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <unistd.h>

#include "console-test-util.h"
#include "xp-vnc-display.h"

static const guint8 bars[8][3] = {
  { 255, 255, 255 }, { 255, 255, 0 }, { 0, 255, 255 }, { 0, 255, 0 },
  { 255, 0, 255 }, { 255, 0, 0 }, { 0, 0, 255 }, { 0, 0, 0 },
};

typedef struct {
  TestServer   *server;
  GtkWindow    *window;
  XpVncDisplay *display;
  gboolean      connected;
  gboolean      disconnected;
  char         *error;
} Fixture;

static void
on_connected (XpVncDisplay *display, Fixture *f)
{
  f->connected = TRUE;
}

static void
on_disconnected (XpVncDisplay *display, Fixture *f)
{
  f->disconnected = TRUE;
}

static void
on_error (XpVncDisplay *display, const char *message, Fixture *f)
{
  g_free (f->error);
  f->error = g_strdup (message);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->server = test_server_start (data);
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_decorated (f->window, FALSE);
  gtk_window_set_default_size (f->window, 640, 480);
  f->display = XP_VNC_DISPLAY (xp_vnc_display_new ());
  gtk_window_set_child (f->window, GTK_WIDGET (f->display));
  g_signal_connect (f->display, "connected", G_CALLBACK (on_connected), f);
  g_signal_connect (f->display, "disconnected", G_CALLBACK (on_disconnected), f);
  g_signal_connect (f->display, "error", G_CALLBACK (on_error), f);
  gtk_window_present (f->window);
  gtk_widget_grab_focus (GTK_WIDGET (f->display));
}

static gboolean
window_gone (gpointer data)
{
  return g_list_model_get_n_items (gtk_window_get_toplevels ()) == 0;
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  gtk_window_destroy (f->window);
  g_assert_true (test_wait_condition (window_gone, NULL));
  test_server_stop (f->server);
  g_free (f->error);
}

static void
open_console (Fixture *f, gboolean tls)
{
  g_autofree char *location = test_server_location (f->server, tls);
  g_autofree char *pin = test_certificate_pin ();

  f->connected = FALSE;
  g_clear_pointer (&f->error, g_free);
  xp_vnc_display_open_console (f->display, location, CONSOLE_TEST_SESSION, tls ? pin : NULL);
  g_assert_true (test_wait_flag (&f->connected));
  g_assert_null (f->error);
}

/* Pixel (x, y) of a texture as R, G, B. */
static void
texture_pixel (GdkTexture *texture, int x, int y, guint8 rgb[3])
{
  int w = gdk_texture_get_width (texture);
  int h = gdk_texture_get_height (texture);
  g_autofree guint8 *data = g_malloc ((gsize) w * h * 4);
  guint32 px;

  gdk_texture_download (texture, data, (gsize) w * 4);   /* native-endian ARGB32 */
  memcpy (&px, data + ((gsize) y * w + x) * 4, 4);
  rgb[0] = (px >> 16) & 0xff;
  rgb[1] = (px >> 8) & 0xff;
  rgb[2] = px & 0xff;
}

typedef struct {
  Fixture *f;
  int      shift;
  int      width;
} PatternCheck;

/* All 8 bars at their centres, in the widget's texture. */
static gboolean
texture_shows_bars (gpointer data)
{
  PatternCheck *pc = data;
  GdkTexture *texture = xp_vnc_display_get_texture (pc->f->display);
  int w;

  if (texture == NULL || gdk_texture_get_width (texture) != pc->width)
    return FALSE;
  w = gdk_texture_get_width (texture);
  for (int i = 0; i < 8; i++)
    {
      guint8 rgb[3];
      const guint8 *want = bars[(i + pc->shift) % 8];

      texture_pixel (texture, i * w / 8 + w / 16, 10, rgb);
      if (memcmp (rgb, want, 3) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
assert_bars (Fixture *f, int shift, int width)
{
  PatternCheck pc = { f, shift, width };

  g_assert_true (test_wait_condition (texture_shows_bars, &pc));
}

static gboolean
has_size (gpointer data)
{
  GtkWidget *w = data;
  return gtk_widget_get_width (w) == 640 && gtk_widget_get_height (w) == 480;
}

/* The widget's own drawing (its snapshot rendered at 640x480) shows the bars. */
static gboolean
widget_draws_bars (gpointer data)
{
  Fixture *f = data;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) rendered = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (f->window));
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  GTK_WIDGET_GET_CLASS (f->display)->snapshot (GTK_WIDGET (f->display), snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return FALSE;
  rendered = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, 640, 480));
  for (int i = 0; i < 8; i++)
    {
      guint8 rgb[3];
      texture_pixel (rendered, (i * 40 + 20) * 2, 200, rgb);
      if (memcmp (rgb, bars[i], 3) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
test_pattern (Fixture *f, gconstpointer data)
{
  GskRenderer *renderer;
  g_autofree char *name = NULL;
  int width = 0, height = 0, min = 0, nat = 0;

  open_console (f, TRUE);
  assert_bars (f, 0, 320);

  g_object_get (f->display, "width", &width, "height", &height, "name", &name, NULL);
  g_assert_cmpint (width, ==, 320);
  g_assert_cmpint (height, ==, 240);
  g_assert_cmpstr (name, ==, "xenpools-test");
  g_assert_true (xp_vnc_display_get_connected (f->display));
  /* Every update leaves an opaque texture (gvnc's pad byte is 0). */
  {
    GdkTexture *t = xp_vnc_display_get_texture (f->display);
    g_autofree guint8 *px = g_malloc (320 * 240 * 4);
    gdk_texture_download (t, px, 320 * 4);
    for (gsize i = 0; i < 320 * 240; i++)
      g_assert_cmpuint (((guint32 *) px)[i] >> 24, ==, 0xff);
  }

  /* What the widget draws: scaled to fit 640x480 (x2) with the cairo
   * renderer.  gvnc writes pixels before it reports their rectangles, so
   * the drawn tiles may trail the framebuffer by a few main loop turns. */
  g_assert_true (test_wait_condition (has_size, f->display));
  renderer = gtk_native_get_renderer (GTK_NATIVE (f->window));
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (renderer), ==, "GskCairoRenderer");
  g_assert_true (test_wait_condition (widget_draws_bars, f));
  /* 1:1 asks for the desktop size (scrolling is the parent's job). */
  xp_vnc_display_set_scaling (f->display, XP_VNC_SCALING_NONE);
  gtk_widget_measure (GTK_WIDGET (f->display), GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  g_assert_cmpint (min, ==, 320);
  g_assert_cmpint (nat, ==, 320);
  xp_vnc_display_set_scaling (f->display, XP_VNC_SCALING_FIT);
  gtk_widget_measure (GTK_WIDGET (f->display), GTK_ORIENTATION_VERTICAL, -1, &min, &nat, NULL, NULL);
  g_assert_cmpint (min, <, 240);
  g_assert_cmpint (nat, ==, 240);

  /* Accessible name carries the desktop name. */
  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (f->display)), ==,
                   GTK_ACCESSIBLE_ROLE_IMG);
}

static gboolean
have_xdotool (void)
{
  g_autofree char *path = g_find_program_in_path ("xdotool");
  return path != NULL;
}

static void
xdotool (const char *args)
{
  g_autofree char *cmd = g_strconcat ("xdotool ", args, NULL);
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
test_keys (Fixture *f, gconstpointer data)
{
  gboolean ext = data == NULL;   /* the fixture data is the server's extra args */
  const char *line;

  open_console (f, TRUE);
  assert_bars (f, 0, 320);
  g_assert_true (xp_vnc_display_get_uses_scancodes (f->display) == ext);

  if (have_xdotool ())
    {
      /* A real key press through X: keysym and (with the extension) the scancode. */
      xdotool ("mousemove 100 100");
      xdotool ("key a");
      line = test_server_wait_line (f->server, "KEY down=1 keysym=0x61");
      g_assert_nonnull (line);
      g_assert_cmpstr (line, ==, ext ? "KEY down=1 keysym=0x61 scancode=0x1e"
                                     : "KEY down=1 keysym=0x61 scancode=0x0");
      g_assert_nonnull (test_server_wait_line (f->server, "KEY down=0 keysym=0x61"));
    }
  else
    g_test_message ("xdotool not found: real key events not tested");

  /* Text as key strokes: Shift for upper case and symbols, Return for \n. */
  xp_vnc_display_type_text (f->display, "Hi!\n");
  g_assert_nonnull (test_server_wait_line (f->server, ext ? "KEY down=1 keysym=0xffe1 scancode=0x2a"
                                                          : "KEY down=1 keysym=0xffe1"));
  g_assert_nonnull (test_server_wait_line (f->server, ext ? "KEY down=1 keysym=0x48 scancode=0x23"
                                                          : "KEY down=1 keysym=0x48"));
  g_assert_nonnull (test_server_wait_line (f->server, ext ? "KEY down=1 keysym=0x69 scancode=0x17"
                                                          : "KEY down=1 keysym=0x69"));
  g_assert_nonnull (test_server_wait_line (f->server, ext ? "KEY down=1 keysym=0x21 scancode=0x2"
                                                          : "KEY down=1 keysym=0x21"));
  g_assert_nonnull (test_server_wait_line (f->server, ext ? "KEY down=1 keysym=0xff0d scancode=0x1c"
                                                          : "KEY down=1 keysym=0xff0d"));
  g_assert_nonnull (test_server_wait_line (f->server, "KEY down=0 keysym=0xff0d"));

  /* Ctrl+Alt+Del from the API ... */
  xp_vnc_display_send_ctrl_alt_del (f->display);
  g_assert_nonnull (test_server_wait_line (f->server, "KEY down=1 keysym=0xffe3"));
  g_assert_nonnull (test_server_wait_line (f->server, "KEY down=1 keysym=0xffe9"));
  line = test_server_wait_line (f->server, "KEY down=1 keysym=0xffff");
  g_assert_nonnull (line);
  if (ext)
    g_assert_cmpstr (line, ==, "KEY down=1 keysym=0xffff scancode=0xd3");
  g_assert_nonnull (test_server_wait_line (f->server, "KEY down=0 keysym=0xffe3"));

  /* ... and from the widget action (what a toolbar button uses). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->display), "console.ctrl-alt-del", NULL));
  g_assert_nonnull (test_server_wait_line (f->server, "KEY down=1 keysym=0xffff"));

  if (have_xdotool ())
    {
      /* Ctrl+Alt+Insert inside the console is Ctrl+Alt+Del. */
      xdotool ("key ctrl+alt+Insert");
      g_assert_nonnull (test_server_wait_line (f->server, "KEY down=1 keysym=0xffff"));
    }
}

static gboolean
is_grabbed (gpointer data)
{
  return xp_vnc_display_get_grabbed (data);
}

static gboolean
is_not_grabbed (gpointer data)
{
  return !xp_vnc_display_get_grabbed (data);
}

static void
test_pointer (Fixture *f, gconstpointer data)
{
  const char *line;

  if (!have_xdotool ())
    {
      g_test_skip ("xdotool not found");
      return;
    }
  open_console (f, TRUE);
  assert_bars (f, 0, 320);
  g_assert_true (test_wait_condition (has_size, f->display));

  /* Window at (0,0), undecorated, desktop scaled x2: widget (200,100) is (100,50). */
  xdotool ("mousemove 200 100");
  g_assert_nonnull (test_server_wait_line (f->server, "POINTER mask=0 x=100 y=50"));
  xdotool ("click 1");
  line = test_server_wait_line (f->server, "POINTER mask=1 ");
  g_assert_cmpstr (line, ==, "POINTER mask=1 x=100 y=50");
  g_assert_nonnull (test_server_wait_line (f->server, "POINTER mask=0 x=100 y=50"));

  /* Right button and the wheel (button 4 = bit 3). */
  xdotool ("mousemove 400 300 click 3");
  g_assert_nonnull (test_server_wait_line (f->server, "POINTER mask=4 x=200 y=150"));
  xdotool ("click 4");
  g_assert_nonnull (test_server_wait_line (f->server, "POINTER mask=8 x=200 y=150"));

  /* The click grabbed the keyboard; Ctrl+Alt releases it. */
  g_assert_true (test_wait_condition (is_grabbed, f->display));
  xdotool ("key ctrl+alt");
  g_assert_true (test_wait_condition (is_not_grabbed, f->display));
}

typedef struct {
  gboolean done;
  char    *text;
} ClipRead;

static void
clip_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ClipRead *cr = user_data;

  cr->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  cr->done = TRUE;
}

static gboolean
clipboard_has_text (gpointer data)
{
  GdkClipboard *clipboard = data;
  return gdk_clipboard_get_formats (clipboard) != NULL &&
         gdk_content_formats_contain_gtype (gdk_clipboard_get_formats (clipboard), G_TYPE_STRING);
}

static void
test_clipboard (Fixture *f, gconstpointer data)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (f->display));
  ClipRead cr = { FALSE, NULL };

  open_console (f, TRUE);
  assert_bars (f, 0, 320);

  test_server_command (f->server, "cut copied in the guest \xe9t\xe9");   /* Latin-1 */
  g_assert_true (test_wait_condition (clipboard_has_text, clipboard));
  gdk_clipboard_read_text_async (clipboard, NULL, clip_read_cb, &cr);
  g_assert_true (test_wait_flag (&cr.done));
  g_assert_cmpstr (cr.text, ==, "copied in the guest été");
  g_free (cr.text);

  /* "Type clipboard" sends the local clipboard as key strokes. */
  gdk_clipboard_set_text (clipboard, "ok");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->display), "console.type-clipboard", NULL));
  g_assert_nonnull (test_server_wait_line (f->server, "KEY down=1 keysym=0x6f"));
  g_assert_nonnull (test_server_wait_line (f->server, "KEY down=1 keysym=0x6b"));
}

static gboolean
width_is_400 (gpointer data)
{
  return xp_vnc_display_get_width (data) == 400;
}

static void
test_resize (Fixture *f, gconstpointer data)
{
  int height = 0;

  open_console (f, TRUE);
  assert_bars (f, 0, 320);
  test_server_command (f->server, "resize 400 300");
  g_assert_true (test_wait_condition (width_is_400, f->display));
  g_object_get (f->display, "height", &height, NULL);
  g_assert_cmpint (height, ==, 300);
  assert_bars (f, 0, 400);
  g_assert_cmpint (gdk_texture_get_height (xp_vnc_display_get_texture (f->display)), ==, 300);
}

static gboolean
error_set (gpointer data)
{
  return ((Fixture *) data)->error != NULL;
}

static void
test_wrong_session (Fixture *f, gconstpointer data)
{
  g_autofree char *location = test_server_location (f->server, TRUE);
  g_autofree char *pin = test_certificate_pin ();

  xp_vnc_display_open_console (f->display, location, "OpaqueRef:wrong", pin);
  g_assert_true (test_wait_condition (error_set, f));
  g_assert_nonnull (strstr (f->error, "401"));
  g_assert_false (xp_vnc_display_get_connected (f->display));
  g_clear_pointer (&f->error, g_free);

  /* Wrong pin: the certificate is refused. */
  xp_vnc_display_open_console (f->display, location, CONSOLE_TEST_SESSION,
                               "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:"
                               "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99");
  g_assert_true (test_wait_condition (error_set, f));
  g_assert_nonnull (strstr (f->error, "pinned"));
  g_assert_false (xp_vnc_display_get_connected (f->display));
}

static void
test_reconnect (Fixture *f, gconstpointer data)
{
  open_console (f, TRUE);
  assert_bars (f, 0, 320);

  /* The server goes away (host reboot, console restart). */
  test_server_stop (f->server);
  f->server = NULL;
  g_assert_true (test_wait_flag (&f->disconnected));
  g_assert_false (xp_vnc_display_get_connected (f->display));

  /* It comes back with different content; opening again shows it. */
  f->server = test_server_start ("--pattern=3");
  f->disconnected = FALSE;
  open_console (f, TRUE);
  assert_bars (f, 3, 320);

  /* Explicit close emits "disconnected"; the plain HTTP location also works. */
  xp_vnc_display_close (f->display);
  g_assert_true (f->disconnected);
  g_assert_nonnull (test_server_wait_line (f->server, "CLIENT gone"));
  open_console (f, FALSE);
  assert_bars (f, 3, 320);
}

static GSubprocess *xvfb;

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
start_xvfb (void)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  char buf[32] = { 0 };
  gsize got = 0;
  int fds[2];

  if (pipe (fds) != 0)
    return FALSE;
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  xvfb = g_subprocess_launcher_spawn (launcher, &error, XVFB_PATH, "-displayfd", "3",
                                      "-screen", "0", "1280x800x24", "-nolisten", "tcp", NULL);
  if (xvfb == NULL)
    {
      close (fds[0]);
      return FALSE;
    }
  /* Xvfb writes the display number once it accepts connections. */
  while (got < sizeof buf - 1)
    {
      gssize n = read (fds[0], buf + got, sizeof buf - 1 - got);
      if (n <= 0)
        break;
      got += (gsize) n;
      if (memchr (buf, '\n', got) != NULL)
        break;
    }
  close (fds[0]);
  if (got == 0)
    return FALSE;
  g_strchomp (buf);
  {
    g_autofree char *display = g_strdup_printf (":%s", buf);
    g_setenv ("DISPLAY", display, TRUE);
  }
  return TRUE;
}


/* Many full-motion displays in one window share a budget of screen area per
 * frame (xp-vnc-display.c): a frame presents only a few of them, and none is
 * starved. */
#define GRID 3

typedef struct {
  XpVncDisplay *displays[GRID * GRID];
  guint64       last[GRID * GRID];
  guint         presented[GRID * GRID];
  guint         frames;
  guint         most_in_a_frame;
  gint64        most_area;
} BudgetWatch;

static void
budget_after_paint (GdkFrameClock *clock,
                    BudgetWatch   *w)
{
  guint n = 0;
  gint64 area = 0;

  for (int i = 0; i < GRID * GRID; i++)
    {
      guint64 count = xp_vnc_display_get_frame_count (w->displays[i]);

      if (count == w->last[i])
        continue;
      w->last[i] = count;
      w->presented[i]++;
      n++;
      area += (gint64) gtk_widget_get_width (GTK_WIDGET (w->displays[i])) *
              gtk_widget_get_height (GTK_WIDGET (w->displays[i]));
    }
  if (n == 0)
    return;
  w->frames++;
  w->most_in_a_frame = MAX (w->most_in_a_frame, n);
  if (n > 1)
    w->most_area = MAX (w->most_area, area);
}

static gboolean
budget_watched_long_enough (gpointer data)
{
  BudgetWatch *w = data;

  return w->frames >= 60;
}

static gboolean
all_connected (gpointer data)
{
  BudgetWatch *w = data;

  for (int i = 0; i < GRID * GRID; i++)
    if (!xp_vnc_display_get_connected (w->displays[i]))
      return FALSE;
  return TRUE;
}

static void
test_frame_budget (Fixture *f, gconstpointer data)
{
  g_autofree char *location = test_server_location (f->server, FALSE);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  GtkWidget *grid = gtk_grid_new ();
  BudgetWatch w = { { NULL, }, };
  GdkFrameClock *clock;
  gulong handler;

  gtk_window_set_decorated (window, FALSE);
  gtk_window_set_default_size (window, 1200, 900);
  gtk_grid_set_row_homogeneous (GTK_GRID (grid), TRUE);
  gtk_grid_set_column_homogeneous (GTK_GRID (grid), TRUE);
  for (int i = 0; i < GRID * GRID; i++)
    {
      w.displays[i] = XP_VNC_DISPLAY (xp_vnc_display_new ());
      gtk_widget_set_hexpand (GTK_WIDGET (w.displays[i]), TRUE);
      gtk_widget_set_vexpand (GTK_WIDGET (w.displays[i]), TRUE);
      gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (w.displays[i]), i % GRID, i / GRID, 1, 1);
    }
  gtk_window_set_child (window, grid);
  gtk_window_present (window);
  for (int i = 0; i < GRID * GRID; i++)
    xp_vnc_display_open_console (w.displays[i], location, CONSOLE_TEST_SESSION, NULL);
  g_assert_true (test_wait_condition (all_connected, &w));

  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (budget_after_paint), &w);
  g_assert_true (test_wait_condition (budget_watched_long_enough, &w));
  g_signal_handler_disconnect (clock, handler);

  /* Each display is about 400x270 on screen: two whole ones fit in the
   * budget, a few more when only parts of them changed; without it, all nine
   * came in the same frame. */
  g_test_message ("%u frames, at most %u displays (%" G_GINT64_FORMAT " px) in one",
                  w.frames, w.most_in_a_frame, w.most_area);
  g_assert_cmpuint (w.most_in_a_frame, <=, 6);
  for (int i = 0; i < GRID * GRID; i++)
    g_assert_cmpuint (w.presented[i], >=, 3);

  for (int i = 0; i < GRID * GRID; i++)
    xp_vnc_display_close (w.displays[i]);
  gtk_window_destroy (window);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);

  if (!g_getenv ("CONSOLE_TEST_USE_DISPLAY") && !start_xvfb ())
    {
      g_test_skip ("Xvfb could not be started");
      return g_test_run ();
    }
  if (!gtk_init_check ())
    {
      g_test_skip ("no display");
      return g_test_run ();
    }

#define ADD(path, data, func) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("/console/display/pattern", NULL, test_pattern);
  ADD ("/console/display/keys", NULL, test_keys);
  ADD ("/console/display/keys-keysym-only", "--no-ext-key", test_keys);
  ADD ("/console/display/pointer", NULL, test_pointer);
  ADD ("/console/display/clipboard", NULL, test_clipboard);
  ADD ("/console/display/resize", NULL, test_resize);
  ADD ("/console/display/wrong-session-and-pin", NULL, test_wrong_session);
  ADD ("/console/display/reconnect", NULL, test_reconnect);
  ADD ("/console/display/frame-budget", "--animate", test_frame_budget);
#undef ADD

  ret = g_test_run ();
  if (xvfb != NULL)
    {
      g_subprocess_send_signal (xvfb, SIGTERM);
      g_subprocess_wait (xvfb, NULL, NULL);
      g_clear_object (&xvfb);
    }
  return ret;
}

/* vnc-test-server.c: libvncserver test server for the console tests and the benchmark
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Serves colour bars (8 vertical bars, rotated by --pattern N), records the
 * key and pointer events it receives on stdout, and accepts XenServer-style
 * "CONNECT /console?..&session_id=.. HTTP/1.0" on a TLS and a plain HTTP
 * front end (its own: libsoup rejects path-form CONNECT).  It also speaks the
 * QEMU extended key event, so scancodes can be checked.
 *
 * stdout (line buffered):
 *   READY https=<port> http=<port> rfb=<port>
 *   CONNECT path=<path> session=ok|bad          (the session itself is not printed)
 *   CLIENT new|gone
 *   KEY down=<0|1> keysym=0x<hex> scancode=0x<hex>
 *   POINTER mask=<n> x=<n> y=<n>
 *   CUT <text>
 *   STATS frames=<n> encoding=<n>                (answer to "stats")
 * stdin commands: "cut <text>", "resize <w> <h>", "stats", "quit".
 *
 * Options: --width --height --pattern --cert --key --session --rfb-port
 *          (0: no RFB listener) --animate (change the whole screen as fast as
 *          the clients take frames; benchmark) --no-ext-key
 */

#include <arpa/inet.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <rfb/rfb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static rfbScreenInfoPtr screen;
static int width = 320, height = 240, pattern_shift;
static char *cert_file, *key_file, *session;
static int rfb_port;
static gboolean animate, no_ext_key, running = TRUE, need_frame;
static guint64 frame_no, frames_sent;
static GTlsCertificate *certificate;

static const unsigned char bars[8][3] = {
  { 255, 255, 255 }, { 255, 255, 0 }, { 0, 255, 255 }, { 0, 255, 0 },
  { 255, 0, 255 }, { 255, 0, 0 }, { 0, 0, 255 }, { 0, 0, 0 },
};

static void
draw_bars (unsigned char *fb, int w, int h)
{
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const unsigned char *c = bars[(x * 8 / w + pattern_shift) % 8];
        unsigned char *p = fb + ((size_t) y * w + x) * 4;
        p[0] = c[0];
        p[1] = c[1];
        p[2] = c[2];
        p[3] = 0;
      }
}

/* Benchmark frame: every pixel changes from frame to frame. */
static void
draw_frame (unsigned char *fb, int w, int h, guint64 t)
{
  for (int y = 0; y < h; y++)
    {
      unsigned char *p = fb + (size_t) y * w * 4;
      for (int x = 0; x < w; x++, p += 4)
        {
          p[0] = (unsigned char) (x + t * 3);
          p[1] = (unsigned char) (y + t * 5);
          p[2] = (unsigned char) ((x ^ y) + t);
          p[3] = 0;
        }
    }
}

/* ---- QEMU extended key event (pseudo-encoding -258, message 255/0) ---- */

static int qemu_ext_key_encodings[] = { rfbEncodingQemuExtendedKeyEvent, 0 };

static rfbBool
ext_new_client (rfbClientPtr cl, void **data)
{
  return TRUE;
}

static rfbBool
ext_enable (rfbClientPtr cl, void **data, int encoding)
{
  rfbFramebufferUpdateMsg fu;
  rfbFramebufferUpdateRectHeader rect;

  if (encoding != (int) rfbEncodingQemuExtendedKeyEvent)
    return FALSE;
  /* Acknowledge with a framebuffer update holding one pseudo rectangle. */
  memset (&fu, 0, sizeof fu);
  fu.type = rfbFramebufferUpdate;
  fu.nRects = Swap16IfLE (1);
  memset (&rect, 0, sizeof rect);
  rect.encoding = Swap32IfLE (rfbEncodingQemuExtendedKeyEvent);
  rfbWriteExact (cl, (char *) &fu, sz_rfbFramebufferUpdateMsg);
  rfbWriteExact (cl, (char *) &rect, sz_rfbFramebufferUpdateRectHeader);
  return TRUE;
}

static rfbBool
ext_handle (rfbClientPtr cl, void *data, const rfbClientToServerMsg *msg)
{
  unsigned char buf[11];
  guint16 down;
  guint32 keysym, keycode;

  if (msg->type != rfbQemuEvent)
    return FALSE;
  if (rfbReadExact (cl, (char *) buf, sizeof buf) <= 0)
    {
      rfbCloseClient (cl);
      return TRUE;
    }
  if (buf[0] != 0)
    return TRUE;    /* other QEMU messages: ignore */
  down = (guint16) (buf[1] << 8 | buf[2]);
  keysym = (guint32) buf[3] << 24 | (guint32) buf[4] << 16 | (guint32) buf[5] << 8 | buf[6];
  keycode = (guint32) buf[7] << 24 | (guint32) buf[8] << 16 | (guint32) buf[9] << 8 | buf[10];
  printf ("KEY down=%d keysym=0x%x scancode=0x%x\n", down ? 1 : 0, keysym, keycode);
  return TRUE;
}

static rfbProtocolExtension qemu_ext_key = {
  .newClient = ext_new_client,
  .pseudoEncodings = qemu_ext_key_encodings,
  .enablePseudoEncoding = ext_enable,
  .handleMessage = ext_handle,
};

/* ---- RFB callbacks ---- */

static void
on_key (rfbBool down, rfbKeySym keysym, rfbClientPtr cl)
{
  printf ("KEY down=%d keysym=0x%x scancode=0x0\n", down ? 1 : 0, (unsigned) keysym);
}

static void
on_pointer (int mask, int x, int y, rfbClientPtr cl)
{
  printf ("POINTER mask=%d x=%d y=%d\n", mask, x, y);
  rfbDefaultPtrAddEvent (mask, x, y, cl);
}

static void
on_cut (char *text, int len, rfbClientPtr cl)
{
  printf ("CUT %.*s\n", len, text);
}

static void
on_client_gone (rfbClientPtr cl)
{
  printf ("CLIENT gone\n");
}

static enum rfbNewClientAction
on_new_client (rfbClientPtr cl)
{
  cl->clientGoneHook = on_client_gone;
  printf ("CLIENT new\n");
  return RFB_CLIENT_ACCEPT;
}

static void
on_display_finished (rfbClientPtr cl, int result)
{
  frames_sent++;
  need_frame = animate;
}

/* ---- CONNECT front end ---- */

typedef struct {
  GIOStream         *stream;   /* TLS or plain */
  GSocketConnection *tcp;
  GString           *head;
  char               byte;
} Front;

static void
front_free (Front *f)
{
  g_clear_object (&f->stream);
  g_clear_object (&f->tcp);
  g_string_free (f->head, TRUE);
  g_free (f);
}

static void
splice_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_io_stream_splice_finish (result, NULL);
}

static gboolean
session_ok (const char *head)
{
  g_autofree char *needle = g_strdup_printf ("session_id=%s", session ? session : "");
  const char *p = head;

  if (session == NULL)
    return TRUE;
  /* In the query or in "Cookie: session_id=..", terminated by & ; space or CR. */
  while ((p = strstr (p, needle)) != NULL)
    {
      char end = p[strlen (needle)];
      if (end == '&' || end == ';' || end == ' ' || end == '\r')
        return TRUE;
      p++;
    }
  return FALSE;
}

static void
dispatch (Front *f)
{
  GOutputStream *out = g_io_stream_get_output_stream (f->stream);
  g_auto(GStrv) parts = g_strsplit (f->head->str, " ", 3);
  g_autofree char *path = NULL;
  const char *reply;
  gboolean ok_session;
  int sv[2];

  if (g_strv_length (parts) < 3 || strcmp (parts[0], "CONNECT") != 0)
    {
      reply = "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n";
      g_output_stream_write_all (out, reply, strlen (reply), NULL, NULL, NULL);
      g_io_stream_close (f->stream, NULL, NULL);
      front_free (f);
      return;
    }
  path = g_strdup (parts[1]);
  if (strstr (path, "session_id=") != NULL)
    *strstr (path, "session_id=") = '\0';   /* do not print the session */
  ok_session = session_ok (f->head->str);
  printf ("CONNECT path=%s session=%s\n", path, ok_session ? "ok" : "bad");

  if (!ok_session)
    reply = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"xapi\"\r\nContent-Length: 0\r\n\r\n";
  else if (!g_str_has_prefix (parts[1], "/console"))
    reply = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  else
    reply = NULL;

  if (reply != NULL)
    {
      g_output_stream_write_all (out, reply, strlen (reply), NULL, NULL, NULL);
      g_io_stream_close (f->stream, NULL, NULL);
      front_free (f);
      return;
    }

  reply = "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nCache-Control: no-cache, no-store\r\n\r\n";
  g_output_stream_write_all (out, reply, strlen (reply), NULL, NULL, NULL);
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0)
    {
      g_autoptr(GSocket) s = g_socket_new_from_fd (sv[1], NULL);
      g_autoptr(GSocketConnection) c = g_socket_connection_factory_create_connection (s);

      rfbNewClient (screen, sv[0]);
      g_io_stream_splice_async (f->stream, G_IO_STREAM (c),
                                G_IO_STREAM_SPLICE_CLOSE_STREAM1 | G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                                G_PRIORITY_DEFAULT, NULL, splice_done, NULL);
    }
  front_free (f);
}

static void
read_byte_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Front *f = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n != 1)
    {
      front_free (f);
      return;
    }
  g_string_append_c (f->head, f->byte);
  if (g_str_has_suffix (f->head->str, "\r\n\r\n") || f->head->len > 16384)
    {
      dispatch (f);
      return;
    }
  g_input_stream_read_async (G_INPUT_STREAM (source), &f->byte, 1, G_PRIORITY_DEFAULT, NULL,
                             read_byte_cb, f);
}

static void
start_reading (Front *f)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (f->stream), &f->byte, 1,
                             G_PRIORITY_DEFAULT, NULL, read_byte_cb, f);
}

static void
handshake_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Front *f = user_data;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, NULL))
    {
      front_free (f);   /* e.g. the client rejected our certificate */
      return;
    }
  start_reading (f);
}

static gboolean
incoming_cb (GSocketService *service, GSocketConnection *connection, GObject *source, gpointer user_data)
{
  gboolean tls = GPOINTER_TO_INT (user_data);
  Front *f = g_new0 (Front, 1);

  f->tcp = g_object_ref (connection);
  f->head = g_string_new (NULL);
  if (tls)
    {
      f->stream = g_tls_server_connection_new (G_IO_STREAM (connection), certificate, NULL);
      if (f->stream == NULL)
        {
          front_free (f);
          return TRUE;
        }
      g_tls_connection_handshake_async (G_TLS_CONNECTION (f->stream), G_PRIORITY_DEFAULT, NULL,
                                        handshake_cb, f);
    }
  else
    {
      f->stream = G_IO_STREAM (g_object_ref (connection));
      start_reading (f);
    }
  return TRUE;
}

static guint16
listen_loopback (gboolean tls)
{
  GSocketService *service = g_socket_service_new ();
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), addr, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error))
    {
      fprintf (stderr, "listen: %s\n", error->message);
      exit (1);
    }
  g_signal_connect (service, "incoming", G_CALLBACK (incoming_cb), GINT_TO_POINTER (tls));
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
}

/* Plain RFB on 127.0.0.1 (benchmark peers such as gvncviewer). */
static gboolean
rfb_incoming_cb (GSocketService *service, GSocketConnection *connection, GObject *source, gpointer user_data)
{
  int fd = dup (g_socket_get_fd (g_socket_connection_get_socket (connection)));

  if (fd >= 0)
    rfbNewClient (screen, fd);
  return TRUE;
}

static int
listen_rfb (int port)
{
  GSocketService *service = g_socket_service_new ();
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new_from_string ("127.0.0.1", (guint) port);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), addr, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error))
    {
      fprintf (stderr, "listen: %s\n", error->message);
      exit (1);
    }
  g_signal_connect (service, "incoming", G_CALLBACK (rfb_incoming_cb), NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
}

/* ---- control on stdin ---- */

static void
handle_command (char *line)
{
  if (g_str_has_prefix (line, "cut "))
    rfbSendServerCutText (screen, line + 4, (int) strlen (line + 4));
  else if (g_str_has_prefix (line, "resize "))
    {
      int w = 0, h = 0;
      if (sscanf (line + 7, "%d %d", &w, &h) == 2 && w > 0 && h > 0)
        {
          char *old = screen->frameBuffer;
          char *fb = malloc ((size_t) w * h * 4);
          width = w;
          height = h;
          draw_bars ((unsigned char *) fb, w, h);
          rfbNewFramebuffer (screen, fb, w, h, 8, 3, 4);
          free (old);
          printf ("RESIZED %dx%d\n", w, h);
        }
    }
  else if (g_str_has_prefix (line, "stats"))
    {
      int enc = -1;
      rfbClientIteratorPtr it = rfbGetClientIterator (screen);
      rfbClientPtr cl = rfbClientIteratorNext (it);
      if (cl != NULL)
        enc = cl->preferredEncoding;
      rfbReleaseClientIterator (it);
      printf ("STATS frames=%" G_GUINT64_FORMAT " encoding=%d\n", frames_sent, enc);
    }
  else if (g_str_has_prefix (line, "quit"))
    running = FALSE;
}

static void
read_line_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result,
                                                                NULL, NULL);
  if (line == NULL)
    {
      running = FALSE;   /* stdin closed: the test is gone */
      return;
    }
  handle_command (line);
  g_data_input_stream_read_line_async (G_DATA_INPUT_STREAM (source), G_PRIORITY_DEFAULT, NULL,
                                       read_line_cb, NULL);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GDataInputStream) din = NULL;
  int fake_argc = 1;
  char *fake_argv[] = { argv[0], NULL };
  guint16 https_port = 0, http_port;
  GOptionEntry entries[] = {
    { "width", 0, 0, G_OPTION_ARG_INT, &width, "Width", "N" },
    { "height", 0, 0, G_OPTION_ARG_INT, &height, "Height", "N" },
    { "pattern", 0, 0, G_OPTION_ARG_INT, &pattern_shift, "Rotate the bars by N", "N" },
    { "cert", 0, 0, G_OPTION_ARG_FILENAME, &cert_file, "TLS certificate (PEM)", "FILE" },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key_file, "TLS key (PEM)", "FILE" },
    { "session", 0, 0, G_OPTION_ARG_STRING, &session, "Accepted session ref", "REF" },
    { "rfb-port", 0, 0, G_OPTION_ARG_INT, &rfb_port, "Also accept plain RFB on 127.0.0.1:N (-1: any free port)", "N" },
    { "animate", 0, 0, G_OPTION_ARG_NONE, &animate, "Change the whole screen continuously", NULL },
    { "no-ext-key", 0, 0, G_OPTION_ARG_NONE, &no_ext_key, "No QEMU extended key event (keysyms only)", NULL },
    { NULL }
  };

  setvbuf (stdout, NULL, _IOLBF, 0);
  context = g_option_context_new ("- console test server");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }
  pattern_shift = ((pattern_shift % 8) + 8) % 8;

  rfbLogEnable (0);
  screen = rfbGetScreen (&fake_argc, fake_argv, width, height, 8, 3, 4);
  screen->frameBuffer = malloc ((size_t) width * height * 4);
  draw_bars ((unsigned char *) screen->frameBuffer, width, height);
  screen->desktopName = "xenpools-test";
  screen->alwaysShared = TRUE;
  screen->kbdAddEvent = on_key;
  screen->ptrAddEvent = on_pointer;
  screen->setXCutText = on_cut;
  screen->newClientHook = on_new_client;
  screen->displayFinishedHook = on_display_finished;
  screen->ipv6port = -1;
  screen->httpPort = -1;
  screen->httpDir = NULL;
  screen->deferUpdateTime = 0;
  /* No listener of libvncserver's own: clients come through rfbNewClient. */
  screen->port = -1;
  screen->autoPort = FALSE;
  if (!no_ext_key)
    rfbRegisterProtocolExtension (&qemu_ext_key);
  rfbInitServer (screen);

  if (cert_file != NULL && key_file != NULL)
    {
      certificate = g_tls_certificate_new_from_files (cert_file, key_file, &error);
      if (certificate == NULL)
        {
          fprintf (stderr, "certificate: %s\n", error->message);
          return 1;
        }
      https_port = listen_loopback (TRUE);
    }
  http_port = listen_loopback (FALSE);
  if (rfb_port != 0)
    rfb_port = listen_rfb (rfb_port > 0 ? rfb_port : 0);

  in = g_unix_input_stream_new (0, FALSE);
  din = g_data_input_stream_new (in);
  g_data_input_stream_read_line_async (din, G_PRIORITY_DEFAULT, NULL, read_line_cb, NULL);

  printf ("READY https=%u http=%u rfb=%d\n", https_port, http_port, rfb_port);

  need_frame = animate;
  while (running)
    {
      if (need_frame)
        {
          need_frame = FALSE;
          draw_frame ((unsigned char *) screen->frameBuffer, width, height, ++frame_no);
          rfbMarkRectAsModified (screen, 0, 0, width, height);
        }
      rfbProcessEvents (screen, animate ? 1000 : 5000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }

  rfbShutdownServer (screen, TRUE);
  free (screen->frameBuffer);
  rfbScreenCleanup (screen);
  g_clear_object (&certificate);
  return 0;
}

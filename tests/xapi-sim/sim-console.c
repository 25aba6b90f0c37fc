/* sim-console.c: VM consoles: HTTP CONNECT /console into one libvncserver
 * framebuffer per VM, run from the GLib main loop
 *
 * The framebuffer shows a pattern derived from the VM's uuid (distinct per
 * VM) with a band whose length encodes the name; every key press draws a
 * block.  Key and pointer events are logged per VM (GET /keys on the
 * control endpoint), not printed: stdout is a pipe nobody reads after READY.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <rfb/rfb.h>
#include <string.h>
#include <sys/socket.h>

#include "sim.h"

#define W 640
#define H 400

typedef struct {
  Sim             *sim;
  char            *vm_ref;
  rfbScreenInfoPtr screen;
  int              keys;      /* blocks drawn so far */
  int              last_mask;
} Console;

static GHashTable *consoles;   /* vm ref -> Console */
static guint n_requests;       /* CONNECT heads received */
/* libvncserver runs each screen in its own thread (its reads block until
 * data arrives, which would stall a single-threaded loop that also feeds it
 * through the TLS pump); the key log is shared with those threads. */
static GMutex keylog_lock;

static void
fill (Console *c,
      int      x0,
      int      y0,
      int      w,
      int      h,
      guint32  rgb)
{
  guint8 *fb = (guint8 *) c->screen->frameBuffer;

  for (int y = MAX (y0, 0); y < MIN (y0 + h, H); y++)
    for (int x = MAX (x0, 0); x < MIN (x0 + w, W); x++)
      {
        guint8 *p = fb + (y * W + x) * 4;
        p[0] = (rgb >> 16) & 0xff;
        p[1] = (rgb >> 8) & 0xff;
        p[2] = rgb & 0xff;
        p[3] = 0;
      }
}

static void
log_event (Console    *c,
           const char *json)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&keylog_lock);
  GString *s = g_hash_table_lookup (c->sim->keylog, c->vm_ref);

  if (s == NULL)
    {
      s = g_string_new (NULL);
      g_hash_table_replace (c->sim->keylog, g_strdup (c->vm_ref), s);
    }
  if (s->len > 1 << 20)
    return;
  if (s->len)
    g_string_append_c (s, ',');
  g_string_append (s, json);
}

static void
on_key (rfbBool       down,
        rfbKeySym     key,
        rfbClientPtr  cl)
{
  Console *c = cl->screen->screenData;
  g_autofree char *ev = g_strdup_printf ("{\"type\":\"key\",\"down\":%s,\"keysym\":%u}", down ? "true" : "false",
                                         (unsigned) key);

  log_event (c, ev);
  if (down)
    {
      int x = 10 + (c->keys % 60) * 10;
      int y = 300 + ((c->keys / 60) % 9) * 10;
      fill (c, x, y, 8, 8, 0xffffff ^ (key * 2654435761u & 0xffffff));
      rfbMarkRectAsModified (c->screen, x, y, x + 8, y + 8);
      c->keys++;
    }
}

static void
on_pointer (int          mask,
            int          x,
            int          y,
            rfbClientPtr cl)
{
  Console *c = cl->screen->screenData;

  if (mask != c->last_mask)
    {
      g_autofree char *ev = g_strdup_printf ("{\"type\":\"pointer\",\"mask\":%d,\"x\":%d,\"y\":%d}", mask, x, y);
      log_event (c, ev);
      c->last_mask = mask;
    }
  rfbDefaultPtrAddEvent (mask, x, y, cl);
}

static void
console_free (gpointer p)
{
  Console *c = p;

  rfbShutdownServer (c->screen, TRUE);
  free (c->screen->frameBuffer);
  c->screen->frameBuffer = NULL;
  rfbScreenCleanup (c->screen);
  g_free (c->vm_ref);
  g_free (c);
}

static Console *
console_for (Sim    *sim,
             SimRow *vm)
{
  Console *c;
  int argc = 1;
  char *argv[] = { (char *) "xapi-sim", NULL };
  guint h = g_str_hash (sim_row_str (vm, "uuid"));
  const char *name = sim_row_str (vm, "name_label");

  if (consoles == NULL)
    consoles = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, console_free);
  c = g_hash_table_lookup (consoles, vm->ref);
  if (c)
    return c;
  c = g_new0 (Console, 1);
  c->sim = sim;
  c->vm_ref = g_strdup (vm->ref);
  c->screen = rfbGetScreen (&argc, argv, W, H, 8, 3, 4);
  c->screen->frameBuffer = calloc (W * H, 4);
  c->screen->desktopName = "xapi-sim console";
  c->screen->alwaysShared = TRUE;
  c->screen->kbdAddEvent = on_key;
  c->screen->ptrAddEvent = on_pointer;
  c->screen->screenData = c;
  c->screen->port = -1;
  c->screen->ipv6port = -1;
  c->screen->autoPort = FALSE;
  c->screen->httpPort = -1;
  c->screen->httpDir = NULL;
  c->screen->listenSock = RFB_INVALID_SOCKET;
  rfbLogEnable (0);
  /* background and stripes from the uuid, a band as long as the name */
  fill (c, 0, 0, W, H, 0x202020 | (h & 0x3f3f3f));
  for (int i = 0; i < 8; i++)
    fill (c, i * (W / 8), 40, W / 8 - 4, 60, ((h >> (i * 3)) * 0x9e3779b1u) & 0xffffff);
  for (guint i = 0; name[i] && i < 60; i++)
    fill (c, 10 + (int) i * 10, 140, 8, 40, 0x808080 | ((guchar) name[i] * 0x010203u));
  c->screen->backgroundLoop = TRUE;   /* one input thread per client, no listener */
  rfbInitServer (c->screen);
  g_hash_table_replace (consoles, c->vm_ref, c);
  return c;
}

static void
reply (GIOStream  *stream,
       const char *text)
{
  g_output_stream_write_all (g_io_stream_get_output_stream (stream), text, strlen (text), NULL, NULL, NULL);
  g_io_stream_close (stream, NULL, NULL);
}

static char *
param (const char *query,
       const char *name)
{
  g_auto(GStrv) parts = query ? g_strsplit (query, "&", -1) : NULL;

  for (guint i = 0; parts && parts[i]; i++)
    if (g_str_has_prefix (parts[i], name) && parts[i][strlen (name)] == '=')
      return g_uri_unescape_string (parts[i] + strlen (name) + 1, NULL);
  return NULL;
}

void
sim_console_connect (Sim        *sim,
                     GIOStream  *stream,
                     const char *head,
                     int         host)
{
  g_auto(GStrv) lines = g_strsplit (head, "\r\n", -1);
  g_auto(GStrv) first = lines[0] ? g_strsplit (lines[0], " ", 3) : NULL;
  g_autofree char *ref = NULL, *uuid = NULL, *sid = NULL;
  const char *target = first && first[1] ? first[1] : "";
  const char *q = strchr (target, '?');
  SimRow *vm = NULL, *session;
  SimClass *vms = sim_model_class (sim->model, "VM");
  SimClass *cons = sim_model_class (sim->model, "console");
  Console *c;
  int sv[2];
  g_autoptr(GSocket) sb = NULL;
  g_autoptr(GSocketConnection) b = NULL;
  GSocket *client_sock;
  g_autoptr(GIOStream) base = NULL;

  n_requests++;
  if (!g_str_has_prefix (target, "/console"))
    {
      reply (stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
      return;
    }
  ref = param (q ? q + 1 : NULL, "ref");
  uuid = param (q ? q + 1 : NULL, "uuid");
  sid = param (q ? q + 1 : NULL, "session_id");
  for (guint i = 1; sid == NULL && lines[i]; i++)
    if (g_ascii_strncasecmp (lines[i], "Cookie:", 7) == 0)
      {
        const char *s = strstr (lines[i], "session_id=");
        if (s)
          sid = g_strndup (s + 11, strcspn (s + 11, "; "));
      }
  session = sid ? sim_session_get (sim, sid) : NULL;
  if (session == NULL)
    {
      reply (stream, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"xapi\"\r\nContent-Length: 0\r\n\r\n");
      return;
    }
  if (ref)
    {
      vm = sim_db_get (sim, vms, ref);
      if (vm == NULL)
        {
          SimRow *con = sim_db_get (sim, cons, ref);
          vm = con ? sim_row_deref (sim, con, "VM") : NULL;
        }
    }
  else if (uuid)
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, vms->rows);
      while (vm == NULL && g_hash_table_iter_next (&it, &k, &v))
        if (strcmp (sim_row_str (v, "uuid"), uuid) == 0)
          vm = v;
      g_hash_table_iter_init (&it, cons->rows);
      while (vm == NULL && g_hash_table_iter_next (&it, &k, &v))
        if (strcmp (sim_row_str (v, "uuid"), uuid) == 0)
          vm = sim_row_deref (sim, v, "VM");
    }
  if (vm == NULL || sim_row_deref (sim, vm, "resident_on") == NULL
      || sim_host_index (sim, sim_row_deref (sim, vm, "resident_on")) != host)
    {
      reply (stream, "HTTP/1.1 500 Internal Error\r\nContent-Length: 0\r\n\r\n");
      return;
    }
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    {
      reply (stream, "HTTP/1.1 500 Internal Error\r\nContent-Length: 0\r\n\r\n");
      return;
    }
  c = console_for (sim, vm);
  {
    const char *ok = "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nCache-Control: no-cache, no-store\r\n\r\n";
    g_output_stream_write_all (g_io_stream_get_output_stream (stream), ok, strlen (ok), NULL, NULL, NULL);
  }
  {
    rfbClientPtr cl = rfbNewClient (c->screen, sv[0]);   /* libvncserver owns sv[0] */
    if (cl)
      rfbStartOnHoldClient (cl);
  }
  sb = g_socket_new_from_fd (sv[1], NULL);
  b = g_socket_connection_factory_create_connection (sb);
  if (G_IS_SOCKET_CONNECTION (stream))
    client_sock = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
  else
    {
      g_object_get (stream, "base-io-stream", &base, NULL);
      client_sock = g_socket_connection_get_socket (G_SOCKET_CONNECTION (base));
    }
  sim_pump_start (stream, client_sock, G_IO_STREAM (b), sb);
}

guint
sim_console_request_count (Sim *sim)
{
  return n_requests;
}

char *sim_console_keys (Sim *sim, const char *vm_ref);
char *
sim_console_keys (Sim        *sim,
                  const char *vm_ref)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&keylog_lock);
  GString *s = sim->keylog ? g_hash_table_lookup (sim->keylog, vm_ref) : NULL;
  return s ? g_strdup (s->str) : NULL;
}

void
sim_console_stop_all (Sim *sim)
{
  g_clear_pointer (&consoles, g_hash_table_unref);
}

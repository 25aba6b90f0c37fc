/* xp-vnc-display.c: GTK 4 VNC console widget on gvnc-1.0
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * gvnc decodes into a VncBaseFramebuffer in local format 32 bpp x8r8g8b8
 * (host byte order; B,G,R,x in memory on little endian).  Damage is
 * coalesced and a GdkMemoryTexture is built at most once per frame clock
 * tick.  gvnc writes 0 into the pad byte, and GTK 4.8 has no opaque 32-bit
 * memory format: the texture copy is packed R8G8B8 (see flush_damage).
 */

#include "config.h"

#include <glib/gi18n.h>
#include <gvnc.h>
#include <string.h>
#include <unistd.h>

#include "xp-vnc-display.h"
#include "xp-vnc-keymap.h"
#include "xapi-console-tunnel.h"

#define HINT_TIMEOUT_MS 4000

typedef struct _FramePool FramePool;

struct _XpVncDisplay
{
  GtkWidget          parent_instance;

  VncConnection     *conn;
  GCancellable      *open_cancellable;

  /* framebuffer */
  guint8            *fb_data;
  int                fb_width;
  int                fb_height;
  int                fb_stride;
  VncFramebuffer    *fb;
  GdkTexture        *texture;
  FramePool         *pool;
  gboolean           dirty;
  guint              tick_id;
  guint64            frame_count;

  /* state */
  gboolean           connected;
  XpVncScaling       scaling;
  gboolean           grabbed;
  gboolean           hint_visible;
  guint              hint_timeout_id;
  char              *name;
  gboolean           evdev_keycodes;
  GHashTable        *pressed_keys;     /* hardware keycode -> keysym sent at press */

  /* pointer */
  guint8             buttons;
  gboolean           abs_pointer;
  double             last_x;
  double             last_y;
  gboolean           have_last;
  double             remote_x;         /* framebuffer coordinates (relative mode) */
  double             remote_y;
  GdkTexture        *cursor_texture;
  int                cursor_hotx;
  int                cursor_hoty;
  GdkCursor         *cursor;
};

G_DEFINE_FINAL_TYPE (XpVncDisplay, xp_vnc_display, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CONNECTED,
  PROP_SCALING,
  PROP_GRABBED,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_NAME,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_CONNECTED,
  SIGNAL_DISCONNECTED,
  SIGNAL_ERROR,
  SIGNAL_UNDOCK_REQUESTED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

GType
xp_vnc_scaling_get_type (void)
{
  static gsize type_id;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { XP_VNC_SCALING_FIT, "XP_VNC_SCALING_FIT", "fit" },
        { XP_VNC_SCALING_NONE, "XP_VNC_SCALING_NONE", "none" },
        { 0, NULL, NULL }
      };
      GType t = g_enum_register_static (g_intern_static_string ("XpVncScaling"), values);
      g_once_init_leave (&type_id, t);
    }
  return (GType) type_id;
}

/* ------------------------------------------------------------------------ */
/* Geometry                                                                 */

/* Framebuffer -> widget: widget = offset + fb * scale (logical pixels). */
static void
get_geometry (XpVncDisplay *self,
              double       *ox,
              double       *oy,
              double       *scale)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self));
  double s;

  if (self->fb_width <= 0 || self->fb_height <= 0)
    {
      *ox = *oy = 0;
      *scale = 1;
      return;
    }
  if (self->scaling == XP_VNC_SCALING_FIT)
    s = MIN (w / self->fb_width, h / self->fb_height);
  else
    s = 1.0 / gtk_widget_get_scale_factor (GTK_WIDGET (self));
  if (s <= 0)
    s = 1.0 / gtk_widget_get_scale_factor (GTK_WIDGET (self));

  *scale = s;
  *ox = MAX (0, (w - self->fb_width * s) / 2);
  *oy = MAX (0, (h - self->fb_height * s) / 2);
}

static void
widget_to_fb (XpVncDisplay *self,
              double        x,
              double        y,
              int          *fx,
              int          *fy)
{
  double ox, oy, s;

  get_geometry (self, &ox, &oy, &s);
  *fx = CLAMP ((int) ((x - ox) / s), 0, MAX (self->fb_width - 1, 0));
  *fy = CLAMP ((int) ((y - oy) / s), 0, MAX (self->fb_height - 1, 0));
}

/* ------------------------------------------------------------------------ */
/* Framebuffer and texture                                                  */

/* Frame copies are recycled: a 1080p frame is 6 MB, and a fresh allocation
 * per frame costs more in page faults than the copy itself.  The pool
 * outlives the widget while textures still hold buffers. */
struct _FramePool {
  gatomicrefcount ref;
  gsize           size;
  GPtrArray      *free;
};

typedef struct {
  FramePool *pool;
  guint8    *data;
  gsize      size;
} FrameBuf;

static FramePool *
frame_pool_new (void)
{
  FramePool *pool = g_new0 (FramePool, 1);

  g_atomic_ref_count_init (&pool->ref);
  pool->free = g_ptr_array_new_with_free_func (g_free);
  return pool;
}

static void
frame_pool_unref (FramePool *pool)
{
  if (pool != NULL && g_atomic_ref_count_dec (&pool->ref))
    {
      g_ptr_array_unref (pool->free);
      g_free (pool);
    }
}

static void
frame_buf_release (gpointer data)
{
  FrameBuf *fb = data;

  /* Buffers of a size from before a desktop resize are not recycled. */
  if (fb->size != fb->pool->size || fb->pool->free->len >= 3)
    g_free (fb->data);
  else
    g_ptr_array_add (fb->pool->free, fb->data);
  frame_pool_unref (fb->pool);
  g_free (fb);
}

static GBytes *
frame_pool_take (FramePool *pool,
                 gsize      size,
                 guint8   **data)
{
  FrameBuf *fb = g_new0 (FrameBuf, 1);

  if (pool->size != size)
    {
      g_ptr_array_set_size (pool->free, 0);
      pool->size = size;
    }
  fb->pool = pool;
  fb->size = size;
  g_atomic_ref_count_inc (&pool->ref);
  fb->data = pool->free->len > 0 ? g_ptr_array_steal_index_fast (pool->free, pool->free->len - 1)
                                 : g_malloc (size);
  *data = fb->data;
  return g_bytes_new_with_free_func (fb->data, size, frame_buf_release, fb);
}

static void
flush_damage (XpVncDisplay *self)
{
  g_autoptr(GBytes) bytes = NULL;
  gsize n_pixels;
  const guint32 *src;
  guint8 *dst;

  if (!self->dirty || self->fb_data == NULL)
    return;

  /* gvnc keeps writing into fb_data, so the texture needs its own copy.
   * The copy is packed R8G8B8: it drops gvnc's pad byte (which is 0, and
   * GTK 4.8 has no opaque 32-bit format), and GTK 4.8 converts R8G8B8 to
   * what its renderers use on a fast path, whereas 32-bit B8G8R8A8 goes
   * through a slow per-pixel float conversion (measured: 1 ms vs 8 ms for
   * 1024x768). */
  n_pixels = (gsize) self->fb_width * self->fb_height;
  src = (const guint32 *) self->fb_data;
  bytes = frame_pool_take (self->pool, n_pixels * 3, &dst);
  for (gsize i = 0; i < n_pixels; i++, dst += 3)
    {
      guint32 p = src[i];
      dst[0] = (guint8) (p >> 16);
      dst[1] = (guint8) (p >> 8);
      dst[2] = (guint8) p;
    }

  g_clear_object (&self->texture);
  self->texture = gdk_memory_texture_new (self->fb_width, self->fb_height,
                                          GDK_MEMORY_R8G8B8, bytes, (gsize) self->fb_width * 3);
  self->dirty = FALSE;
  self->frame_count++;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  XpVncDisplay *self = XP_VNC_DISPLAY (widget);

  flush_damage (self);
  self->tick_id = 0;
  return G_SOURCE_REMOVE;
}

static void
schedule_flush (XpVncDisplay *self)
{
  self->dirty = TRUE;
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
}

static void
free_framebuffer (XpVncDisplay *self)
{
  g_clear_object (&self->fb);
  g_clear_pointer (&self->fb_data, g_free);
}

static void
setup_framebuffer (XpVncDisplay *self,
                   int           width,
                   int           height)
{
  VncPixelFormat fmt = {
    .bits_per_pixel = 32, .depth = 24, .byte_order = G_BYTE_ORDER, .true_color_flag = 1,
    .red_max = 255, .green_max = 255, .blue_max = 255,
    .red_shift = 16, .green_shift = 8, .blue_shift = 0,
  };
  gboolean size_changed = width != self->fb_width || height != self->fb_height;

  free_framebuffer (self);
  self->fb_width = width;
  self->fb_height = height;
  self->fb_stride = width * 4;
  self->fb_data = g_malloc0 ((gsize) self->fb_stride * MAX (height, 1));
  self->fb = VNC_FRAMEBUFFER (vnc_base_framebuffer_new (self->fb_data, width, height,
                                                        self->fb_stride, &fmt, &fmt));
  vnc_connection_set_framebuffer (self->conn, self->fb);
  vnc_connection_set_pixel_format (self->conn, &fmt);

  if (size_changed)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WIDTH]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEIGHT]);
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
  self->remote_x = width / 2.0;
  self->remote_y = height / 2.0;
  schedule_flush (self);
}

/* ------------------------------------------------------------------------ */
/* gvnc signal handlers                                                     */

static void
on_auth_choose_type (VncConnection *conn,
                     GValueArray   *types,
                     gpointer       user_data)
{
  XpVncDisplay *self = user_data;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  for (guint i = 0; i < types->n_values; i++)
    {
      guint t = g_value_get_enum (g_value_array_get_nth (types, i));
      if (t == VNC_CONNECTION_AUTH_NONE)
        {
          vnc_connection_set_auth_type (conn, t);
          return;
        }
    }
  G_GNUC_END_IGNORE_DEPRECATIONS

  g_signal_emit (self, signals[SIGNAL_ERROR], 0,
                 _("The console asks for a password or an authentication type that is not supported"));
  vnc_connection_shutdown (conn);
}

static void
on_initialized (VncConnection *conn,
                gpointer       user_data)
{
  XpVncDisplay *self = user_data;
  gint32 encodings[] = {
    VNC_CONNECTION_ENCODING_TIGHT,
    VNC_CONNECTION_ENCODING_ZRLE,
    VNC_CONNECTION_ENCODING_HEXTILE,
    VNC_CONNECTION_ENCODING_RRE,
    VNC_CONNECTION_ENCODING_COPY_RECT,
    VNC_CONNECTION_ENCODING_RAW,
    VNC_CONNECTION_ENCODING_EXT_KEY_EVENT,
    VNC_CONNECTION_ENCODING_EXTENDED_DESKTOP_RESIZE,
    VNC_CONNECTION_ENCODING_DESKTOP_RESIZE,
    VNC_CONNECTION_ENCODING_DESKTOP_NAME,
    VNC_CONNECTION_ENCODING_LAST_RECT,
    VNC_CONNECTION_ENCODING_POINTER_CHANGE,
    VNC_CONNECTION_ENCODING_ALPHA_CURSOR,
    VNC_CONNECTION_ENCODING_RICH_CURSOR,
    VNC_CONNECTION_ENCODING_XCURSOR,
  };

  vnc_connection_set_encodings (conn, G_N_ELEMENTS (encodings), encodings);
  setup_framebuffer (self, vnc_connection_get_width (conn), vnc_connection_get_height (conn));
  vnc_connection_framebuffer_update_request (conn, FALSE, 0, 0, self->fb_width, self->fb_height);

  g_free (self->name);
  self->name = g_strdup (vnc_connection_get_name (conn));
  self->abs_pointer = vnc_connection_get_abs_pointer (conn);
  self->connected = TRUE;

  {
    g_autofree char *label = g_strdup_printf (_("Console of %s"), self->name ? self->name : "");
    gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
  g_signal_emit (self, signals[SIGNAL_CONNECTED], 0);
}

static void
on_framebuffer_update (VncConnection *conn,
                       guint16        x,
                       guint16        y,
                       guint16        width,
                       guint16        height,
                       gpointer       user_data)
{
  XpVncDisplay *self = user_data;

  /* Damage is only coalesced: the texture is rebuilt once per tick. */
  schedule_flush (self);
  vnc_connection_framebuffer_update_request (conn, TRUE, 0, 0, self->fb_width, self->fb_height);
}

static void
on_desktop_resize (VncConnection *conn,
                   guint16        width,
                   guint16        height,
                   gpointer       user_data)
{
  XpVncDisplay *self = user_data;

  setup_framebuffer (self, width, height);
  vnc_connection_framebuffer_update_request (conn, FALSE, 0, 0, width, height);
}

static void
on_desktop_rename (VncConnection *conn,
                   const char    *name,
                   gpointer       user_data)
{
  XpVncDisplay *self = user_data;

  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

static void
update_cursor (XpVncDisplay *self)
{
  if (!self->abs_pointer)
    gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "none");
  else
    gtk_widget_set_cursor (GTK_WIDGET (self), self->cursor);
}

static void
on_cursor_changed (VncConnection *conn,
                   VncCursor     *cursor,
                   gpointer       user_data)
{
  XpVncDisplay *self = user_data;

  g_clear_object (&self->cursor);
  g_clear_object (&self->cursor_texture);
  if (cursor != NULL)
    {
      int w = vnc_cursor_get_width (cursor);
      int h = vnc_cursor_get_height (cursor);

      if (w == 0 || h == 0)
        self->cursor = gdk_cursor_new_from_name ("none", NULL);
      else
        {
          /* gvnc hands out the cursor as non-premultiplied RGBA. */
          g_autoptr(GBytes) bytes = g_bytes_new (vnc_cursor_get_data (cursor), (gsize) w * h * 4);
          self->cursor_texture = gdk_memory_texture_new (w, h, GDK_MEMORY_R8G8B8A8, bytes, w * 4);
          self->cursor_hotx = vnc_cursor_get_hotx (cursor);
          self->cursor_hoty = vnc_cursor_get_hoty (cursor);
          self->cursor = gdk_cursor_new_from_texture (self->cursor_texture,
                                                      self->cursor_hotx, self->cursor_hoty, NULL);
        }
    }
  update_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_pointer_mode_changed (VncConnection *conn,
                         gboolean       absolute,
                         gpointer       user_data)
{
  XpVncDisplay *self = user_data;

  self->abs_pointer = absolute;
  self->have_last = FALSE;
  update_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_server_cut_text (VncConnection *conn,
                    const char    *text,
                    gpointer       user_data)
{
  XpVncDisplay *self = user_data;
  g_autofree char *utf8 = NULL;

  /* The signal carries a NUL-terminated string (not the GString of the
   * class vfunc); RFB cut text is ISO 8859-1. */
  if (text == NULL)
    return;
  utf8 = g_convert (text, -1, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
  if (utf8 != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), utf8);
}

static void
on_vnc_error (VncConnection *conn,
              const char    *message,
              gpointer       user_data)
{
  XpVncDisplay *self = user_data;

  g_signal_emit (self, signals[SIGNAL_ERROR], 0, message);
}

static void release_all_keys (XpVncDisplay *self);
static void drop_connection (XpVncDisplay *self);

static void
on_disconnected (VncConnection *conn,
                 gpointer       user_data)
{
  XpVncDisplay *self = user_data;

  drop_connection (self);
  g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0);
}

/* ------------------------------------------------------------------------ */
/* Connection lifetime                                                      */

static void
set_connected (XpVncDisplay *self,
               gboolean      connected)
{
  if (self->connected == connected)
    return;
  self->connected = connected;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

/* Forget the current VncConnection (the last frame stays visible). */
static void
drop_connection (XpVncDisplay *self)
{
  VncConnection *conn = g_steal_pointer (&self->conn);

  if (conn != NULL)
    {
      g_hash_table_remove_all (self->pressed_keys);
      g_signal_handlers_disconnect_by_data (conn, self);
      vnc_connection_shutdown (conn);
      g_object_unref (conn);
    }
  self->buttons = 0;
  set_connected (self, FALSE);
}

void
xp_vnc_display_open_fd (XpVncDisplay *self,
                        int           fd)
{
  g_return_if_fail (XP_IS_VNC_DISPLAY (self));
  g_return_if_fail (fd >= 0);

  xp_vnc_display_close (self);

  self->conn = vnc_connection_new ();
  g_signal_connect (self->conn, "vnc-auth-choose-type", G_CALLBACK (on_auth_choose_type), self);
  g_signal_connect (self->conn, "vnc-initialized", G_CALLBACK (on_initialized), self);
  g_signal_connect (self->conn, "vnc-framebuffer-update", G_CALLBACK (on_framebuffer_update), self);
  g_signal_connect (self->conn, "vnc-desktop-resize", G_CALLBACK (on_desktop_resize), self);
  g_signal_connect (self->conn, "vnc-desktop-rename", G_CALLBACK (on_desktop_rename), self);
  g_signal_connect (self->conn, "vnc-cursor-changed", G_CALLBACK (on_cursor_changed), self);
  g_signal_connect (self->conn, "vnc-pointer-mode-changed", G_CALLBACK (on_pointer_mode_changed), self);
  g_signal_connect (self->conn, "vnc-server-cut-text", G_CALLBACK (on_server_cut_text), self);
  g_signal_connect (self->conn, "vnc-error", G_CALLBACK (on_vnc_error), self);
  g_signal_connect (self->conn, "vnc-disconnected", G_CALLBACK (on_disconnected), self);
  vnc_connection_set_shared (self->conn, TRUE);

  if (!vnc_connection_open_fd (self->conn, fd))
    {
      close (fd);
      drop_connection (self);
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, _("Could not start the console connection"));
    }
}

void
xp_vnc_display_close (XpVncDisplay *self)
{
  g_return_if_fail (XP_IS_VNC_DISPLAY (self));

  if (self->open_cancellable != NULL)
    {
      g_cancellable_cancel (self->open_cancellable);
      g_clear_object (&self->open_cancellable);
    }
  if (self->conn != NULL)
    {
      release_all_keys (self);
      drop_connection (self);
      g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0);
    }
}

typedef struct {
  GWeakRef      display;
  GCancellable *cancellable;
} OpenData;

static void
tunnel_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  OpenData *od = user_data;
  g_autoptr(XpVncDisplay) self = g_weak_ref_get (&od->display);
  g_autoptr(GError) error = NULL;
  int fd;

  fd = xapi_console_tunnel_open_finish (result, &error);

  if (self == NULL || g_cancellable_is_cancelled (od->cancellable) ||
      self->open_cancellable != od->cancellable)
    {
      if (fd >= 0)
        close (fd);
    }
  else
    {
      g_clear_object (&self->open_cancellable);
      if (fd < 0)
        g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
      else
        xp_vnc_display_open_fd (self, fd);
    }

  g_weak_ref_clear (&od->display);
  g_object_unref (od->cancellable);
  g_free (od);
}

void
xp_vnc_display_open_console (XpVncDisplay *self,
                             const char   *location,
                             const char   *session_ref,
                             const char   *pinned_sha256)
{
  OpenData *od;

  g_return_if_fail (XP_IS_VNC_DISPLAY (self));
  g_return_if_fail (location != NULL);
  g_return_if_fail (session_ref != NULL);

  xp_vnc_display_close (self);

  self->open_cancellable = g_cancellable_new ();
  od = g_new0 (OpenData, 1);
  g_weak_ref_init (&od->display, self);
  od->cancellable = g_object_ref (self->open_cancellable);
  xapi_console_tunnel_open_async (location, session_ref, pinned_sha256,
                                  self->open_cancellable, tunnel_opened_cb, od);
}

/* ------------------------------------------------------------------------ */
/* Keyboard                                                                 */

static guint16
keycode_to_qnum (XpVncDisplay *self,
                 guint         keycode)
{
  if (!self->evdev_keycodes || keycode < 8)
    return 0;
  return xp_vnc_keymap_evdev_to_qnum (keycode - 8);
}

static void
send_key (XpVncDisplay *self,
          gboolean      down,
          guint32       keysym,
          guint16       qnum)
{
  if (self->conn != NULL && self->connected)
    vnc_connection_key_event (self->conn, down, keysym, qnum);
}

static void
release_all_keys (XpVncDisplay *self)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->pressed_keys);
  while (g_hash_table_iter_next (&iter, &key, &value))
    send_key (self, FALSE, GPOINTER_TO_UINT (value), keycode_to_qnum (self, GPOINTER_TO_UINT (key)));
  g_hash_table_remove_all (self->pressed_keys);
}

static void
hide_hint (XpVncDisplay *self)
{
  g_clear_handle_id (&self->hint_timeout_id, g_source_remove);
  if (self->hint_visible)
    {
      self->hint_visible = FALSE;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static gboolean
hint_timeout_cb (gpointer user_data)
{
  XpVncDisplay *self = user_data;

  self->hint_timeout_id = 0;
  hide_hint (self);
  return G_SOURCE_REMOVE;
}

static void
set_grabbed_internal (XpVncDisplay *self,
                      gboolean      grabbed,
                      GdkEvent     *event)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GdkSurface *surface = NULL;

  if (root != NULL && GTK_IS_NATIVE (root))
    surface = gtk_native_get_surface (GTK_NATIVE (root));

  if (grabbed == self->grabbed)
    return;

  if (surface != NULL && GDK_IS_TOPLEVEL (surface))
    {
      if (grabbed)
        gdk_toplevel_inhibit_system_shortcuts (GDK_TOPLEVEL (surface), event);
      else
        gdk_toplevel_restore_system_shortcuts (GDK_TOPLEVEL (surface));
    }

  self->grabbed = grabbed;
  if (grabbed)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self));
      self->hint_visible = TRUE;
      g_clear_handle_id (&self->hint_timeout_id, g_source_remove);
      self->hint_timeout_id = g_timeout_add (HINT_TIMEOUT_MS, hint_timeout_cb, self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  else
    hide_hint (self);

  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_PRESSED,
                               grabbed ? GTK_ACCESSIBLE_TRISTATE_TRUE : GTK_ACCESSIBLE_TRISTATE_FALSE, -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GRABBED]);
}

static gboolean
is_ctrl (guint keyval)
{
  return keyval == GDK_KEY_Control_L || keyval == GDK_KEY_Control_R;
}

static gboolean
is_alt (guint keyval)
{
  return keyval == GDK_KEY_Alt_L || keyval == GDK_KEY_Alt_R ||
         keyval == GDK_KEY_Meta_L || keyval == GDK_KEY_Meta_R;
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                gpointer               user_data)
{
  XpVncDisplay *self = user_data;
  gboolean ctrl = (state & GDK_CONTROL_MASK) != 0 || is_ctrl (keyval);
  gboolean alt = (state & GDK_ALT_MASK) != 0 || is_alt (keyval);
  guint lower = gdk_keyval_to_lower (keyval);

  if (self->conn == NULL || !self->connected)
    return FALSE;

  /* Local combinations. */
  if (ctrl && alt && (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0 &&
      (is_ctrl (keyval) || is_alt (keyval)) && self->grabbed)
    {
      /* Ctrl+Alt: release the grab; the modifiers still reach the guest and
       * are released there when the keys come up. */
      set_grabbed_internal (self, FALSE, NULL);
    }
  else if (ctrl && alt && (keyval == GDK_KEY_Insert || keyval == GDK_KEY_KP_Insert))
    {
      xp_vnc_display_send_ctrl_alt_del (self);
      return TRUE;
    }
  else if (ctrl && alt && lower == GDK_KEY_f)
    {
      release_all_keys (self);
      xp_vnc_display_toggle_fullscreen (self);
      return TRUE;
    }
  else if (alt && (state & GDK_SHIFT_MASK) && lower == GDK_KEY_u)
    {
      release_all_keys (self);
      g_signal_emit (self, signals[SIGNAL_UNDOCK_REQUESTED], 0);
      return TRUE;
    }

  /* Remember what was sent so the release matches, whatever the modifiers
   * are by then. */
  g_hash_table_insert (self->pressed_keys, GUINT_TO_POINTER (keycode), GUINT_TO_POINTER (keyval));
  send_key (self, TRUE, keyval, keycode_to_qnum (self, keycode));
  return TRUE;
}

static void
key_released_cb (GtkEventControllerKey *controller,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 gpointer               user_data)
{
  XpVncDisplay *self = user_data;
  gpointer sent;

  if (!g_hash_table_lookup_extended (self->pressed_keys, GUINT_TO_POINTER (keycode), NULL, &sent))
    return;
  g_hash_table_remove (self->pressed_keys, GUINT_TO_POINTER (keycode));
  send_key (self, FALSE, GPOINTER_TO_UINT (sent), keycode_to_qnum (self, keycode));
}

static void
focus_leave_cb (GtkEventControllerFocus *controller,
                gpointer                 user_data)
{
  XpVncDisplay *self = user_data;

  /* Never leave keys stuck down in the guest. */
  release_all_keys (self);
  set_grabbed_internal (self, FALSE, NULL);
}

void
xp_vnc_display_send_ctrl_alt_del (XpVncDisplay *self)
{
  g_return_if_fail (XP_IS_VNC_DISPLAY (self));

  release_all_keys (self);
  send_key (self, TRUE, GDK_KEY_Control_L, 0x1d);
  send_key (self, TRUE, GDK_KEY_Alt_L, 0x38);
  send_key (self, TRUE, GDK_KEY_Delete, 0xd3);
  send_key (self, FALSE, GDK_KEY_Delete, 0xd3);
  send_key (self, FALSE, GDK_KEY_Alt_L, 0x38);
  send_key (self, FALSE, GDK_KEY_Control_L, 0x1d);
}

void
xp_vnc_display_type_text (XpVncDisplay *self,
                          const char   *text)
{
  g_return_if_fail (XP_IS_VNC_DISPLAY (self));
  g_return_if_fail (text != NULL);

  if (!g_utf8_validate (text, -1, NULL))
    return;

  release_all_keys (self);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      guint32 keysym;
      gboolean shift = FALSE;
      guint16 qnum;

      if (c == '\r' && p[1] == '\n')
        continue;
      keysym = xp_vnc_keymap_unichar_to_keysym (c);
      if (keysym == 0)
        continue;
      qnum = xp_vnc_keymap_keysym_to_qnum (keysym, &shift);
      if (shift)
        send_key (self, TRUE, GDK_KEY_Shift_L, 0x2a);
      send_key (self, TRUE, keysym, qnum);
      send_key (self, FALSE, keysym, qnum);
      if (shift)
        send_key (self, FALSE, GDK_KEY_Shift_L, 0x2a);
    }
}

static void
clipboard_text_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(XpVncDisplay) self = user_data;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);

  if (text != NULL)
    xp_vnc_display_type_text (self, text);
}

/* ------------------------------------------------------------------------ */
/* Pointer                                                                  */

static void
send_pointer (XpVncDisplay *self,
              double        x,
              double        y)
{
  int fx, fy;

  if (self->conn == NULL || !self->connected)
    return;

  if (self->abs_pointer)
    widget_to_fb (self, x, y, &fx, &fy);
  else
    {
      /* Relative device in the guest: GTK 4 cannot warp the local pointer,
       * so move a virtual remote pointer by the local deltas (the guest
       * turns successive positions into relative motion). */
      double ox, oy, s;

      get_geometry (self, &ox, &oy, &s);
      if (self->have_last)
        {
          self->remote_x = CLAMP (self->remote_x + (x - self->last_x) / s, 0, self->fb_width - 1);
          self->remote_y = CLAMP (self->remote_y + (y - self->last_y) / s, 0, self->fb_height - 1);
        }
      self->last_x = x;
      self->last_y = y;
      self->have_last = TRUE;
      fx = (int) self->remote_x;
      fy = (int) self->remote_y;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  vnc_connection_pointer_event (self->conn, self->buttons, fx, fy);
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           gpointer                  user_data)
{
  send_pointer (user_data, x, y);
}

static void
leave_cb (GtkEventControllerMotion *controller,
          gpointer                  user_data)
{
  XpVncDisplay *self = user_data;

  self->have_last = FALSE;
}

static guint8
button_bit (guint button)
{
  /* GDK: 1 left, 2 middle, 3 right = RFB bits 0, 1, 2. */
  if (button < 1 || button > 8)
    return 0;
  return (guint8) (1u << (button - 1));
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            gpointer         user_data)
{
  XpVncDisplay *self = user_data;
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));

  if (!gtk_widget_has_focus (GTK_WIDGET (self)))
    gtk_widget_grab_focus (GTK_WIDGET (self));
  if (!self->grabbed && self->connected)
    set_grabbed_internal (self, TRUE,
                          gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (gesture)));

  self->buttons |= button_bit (button);
  send_pointer (self, x, y);
}

static void
released_cb (GtkGestureClick *gesture,
             int              n_press,
             double           x,
             double           y,
             gpointer         user_data)
{
  XpVncDisplay *self = user_data;
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));

  self->buttons &= ~button_bit (button);
  send_pointer (self, x, y);
}

static void
click_cancel_cb (GtkGesture       *gesture,
                 GdkEventSequence *sequence,
                 gpointer          user_data)
{
  XpVncDisplay *self = user_data;

  self->buttons = 0;
}

static void
scroll_button (XpVncDisplay *self,
               guint8        bit)
{
  int fx, fy;

  if (self->conn == NULL || !self->connected)
    return;
  if (self->abs_pointer)
    widget_to_fb (self, self->last_x, self->last_y, &fx, &fy);
  else
    {
      fx = (int) self->remote_x;
      fy = (int) self->remote_y;
    }
  vnc_connection_pointer_event (self->conn, self->buttons | bit, fx, fy);
  vnc_connection_pointer_event (self->conn, self->buttons, fx, fy);
}

static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           gpointer                  user_data)
{
  XpVncDisplay *self = user_data;

  if (dy < 0)
    scroll_button (self, 1 << 3);
  else if (dy > 0)
    scroll_button (self, 1 << 4);
  if (dx < 0)
    scroll_button (self, 1 << 5);
  else if (dx > 0)
    scroll_button (self, 1 << 6);
  return TRUE;
}

static void
motion_track_cb (GtkEventControllerMotion *controller,
                 double                    x,
                 double                    y,
                 gpointer                  user_data)
{
  XpVncDisplay *self = user_data;

  if (self->abs_pointer)
    {
      self->last_x = x;
      self->last_y = y;
    }
}

/* ------------------------------------------------------------------------ */
/* GtkWidget                                                                */

static void
xp_vnc_display_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  XpVncDisplay *self = XP_VNC_DISPLAY (widget);
  int sf = gtk_widget_get_scale_factor (widget);
  int size = orientation == GTK_ORIENTATION_HORIZONTAL ? self->fb_width : self->fb_height;
  int logical = (size + sf - 1) / sf;

  if (self->scaling == XP_VNC_SCALING_NONE)
    *minimum = *natural = logical;
  else
    {
      *minimum = 16;
      *natural = MAX (logical, 16);
    }
  *minimum_baseline = *natural_baseline = -1;
}

static void
draw_hint (XpVncDisplay *self,
           GtkSnapshot  *snapshot)
{
  GtkWidget *widget = GTK_WIDGET (self);
  g_autoptr(PangoLayout) layout = NULL;
  int lw, lh;
  float w = gtk_widget_get_width (widget);
  GdkRGBA bg = { 0, 0, 0, 0.75 };
  GdkRGBA fg = { 1, 1, 1, 1 };
  GskRoundedRect box;
  graphene_rect_t rect;

  layout = gtk_widget_create_pango_layout (widget,
                                           _("Keyboard grabbed — press Ctrl+Alt to release it"));
  pango_layout_get_pixel_size (layout, &lw, &lh);
  rect = GRAPHENE_RECT_INIT ((w - lw) / 2 - 12, 8, lw + 24, lh + 12);
  gsk_rounded_rect_init_from_rect (&box, &rect, 8);
  gtk_snapshot_push_rounded_clip (snapshot, &box);
  gtk_snapshot_append_color (snapshot, &bg, &rect);
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((w - lw) / 2, 14));
  gtk_snapshot_append_layout (snapshot, layout, &fg);
  gtk_snapshot_restore (snapshot);
}

static void
xp_vnc_display_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  XpVncDisplay *self = XP_VNC_DISPLAY (widget);
  GdkRGBA black = { 0, 0, 0, 1 };
  float w = gtk_widget_get_width (widget);
  float h = gtk_widget_get_height (widget);
  double ox, oy, s;

  gtk_snapshot_append_color (snapshot, &black, &GRAPHENE_RECT_INIT (0, 0, w, h));
  if (self->texture == NULL)
    return;

  get_geometry (self, &ox, &oy, &s);
  gtk_snapshot_append_texture (snapshot, self->texture,
                               &GRAPHENE_RECT_INIT (ox, oy, self->fb_width * s, self->fb_height * s));

  /* In relative mode the local pointer is hidden: draw the remote one. */
  if (!self->abs_pointer && self->cursor_texture != NULL && self->conn != NULL)
    {
      int cw = gdk_texture_get_width (self->cursor_texture);
      int ch = gdk_texture_get_height (self->cursor_texture);
      gtk_snapshot_append_texture (snapshot, self->cursor_texture,
                                   &GRAPHENE_RECT_INIT (ox + (self->remote_x - self->cursor_hotx) * s,
                                                        oy + (self->remote_y - self->cursor_hoty) * s,
                                                        cw * s, ch * s));
    }

  if (self->hint_visible && self->grabbed)
    draw_hint (self, snapshot);
}

static void
xp_vnc_display_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (xp_vnc_display_parent_class)->map (widget);
  flush_damage (XP_VNC_DISPLAY (widget));
}

static void
xp_vnc_display_unroot (GtkWidget *widget)
{
  XpVncDisplay *self = XP_VNC_DISPLAY (widget);

  /* The grab belongs to the old toplevel. */
  set_grabbed_internal (self, FALSE, NULL);
  GTK_WIDGET_CLASS (xp_vnc_display_parent_class)->unroot (widget);
}

static void
xp_vnc_display_realize (GtkWidget *widget)
{
  XpVncDisplay *self = XP_VNC_DISPLAY (widget);
  const char *type;

  GTK_WIDGET_CLASS (xp_vnc_display_parent_class)->realize (widget);

  /* X11 (evdev/libinput driver) and Wayland key codes are evdev + 8. */
  type = G_OBJECT_TYPE_NAME (gtk_widget_get_display (widget));
  self->evdev_keycodes = g_str_equal (type, "GdkX11Display") || g_str_equal (type, "GdkWaylandDisplay");
}

/* ------------------------------------------------------------------------ */
/* Actions                                                                  */

static void
action_ctrl_alt_del (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  xp_vnc_display_send_ctrl_alt_del (XP_VNC_DISPLAY (widget));
}

static void
action_type_clipboard (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL,
                                 clipboard_text_cb, g_object_ref (widget));
}

static void
action_toggle_scaling (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  XpVncDisplay *self = XP_VNC_DISPLAY (widget);

  xp_vnc_display_set_scaling (self, self->scaling == XP_VNC_SCALING_FIT ? XP_VNC_SCALING_NONE
                                                                        : XP_VNC_SCALING_FIT);
}

static void
action_fullscreen (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  xp_vnc_display_toggle_fullscreen (XP_VNC_DISPLAY (widget));
}

static void
action_undock (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  g_signal_emit (widget, signals[SIGNAL_UNDOCK_REQUESTED], 0);
}

static void
action_release_grab (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  xp_vnc_display_set_grabbed (XP_VNC_DISPLAY (widget), FALSE);
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

static void
xp_vnc_display_dispose (GObject *object)
{
  XpVncDisplay *self = XP_VNC_DISPLAY (object);

  if (self->open_cancellable != NULL)
    {
      g_cancellable_cancel (self->open_cancellable);
      g_clear_object (&self->open_cancellable);
    }
  drop_connection (self);
  g_clear_handle_id (&self->hint_timeout_id, g_source_remove);
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }

  G_OBJECT_CLASS (xp_vnc_display_parent_class)->dispose (object);
}

static void
xp_vnc_display_finalize (GObject *object)
{
  XpVncDisplay *self = XP_VNC_DISPLAY (object);

  free_framebuffer (self);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->pool, frame_pool_unref);
  g_clear_object (&self->cursor);
  g_clear_object (&self->cursor_texture);
  g_clear_pointer (&self->pressed_keys, g_hash_table_unref);
  g_free (self->name);

  G_OBJECT_CLASS (xp_vnc_display_parent_class)->finalize (object);
}

static void
xp_vnc_display_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  XpVncDisplay *self = XP_VNC_DISPLAY (object);

  switch (prop_id)
    {
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->connected);
      break;
    case PROP_SCALING:
      g_value_set_enum (value, self->scaling);
      break;
    case PROP_GRABBED:
      g_value_set_boolean (value, self->grabbed);
      break;
    case PROP_WIDTH:
      g_value_set_int (value, self->fb_width);
      break;
    case PROP_HEIGHT:
      g_value_set_int (value, self->fb_height);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xp_vnc_display_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  XpVncDisplay *self = XP_VNC_DISPLAY (object);

  switch (prop_id)
    {
    case PROP_SCALING:
      xp_vnc_display_set_scaling (self, g_value_get_enum (value));
      break;
    case PROP_GRABBED:
      xp_vnc_display_set_grabbed (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xp_vnc_display_class_init (XpVncDisplayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = xp_vnc_display_dispose;
  object_class->finalize = xp_vnc_display_finalize;
  object_class->get_property = xp_vnc_display_get_property;
  object_class->set_property = xp_vnc_display_set_property;

  widget_class->measure = xp_vnc_display_measure;
  widget_class->snapshot = xp_vnc_display_snapshot;
  widget_class->map = xp_vnc_display_map;
  widget_class->realize = xp_vnc_display_realize;
  widget_class->unroot = xp_vnc_display_unroot;

  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SCALING] =
    g_param_spec_enum ("scaling", NULL, NULL, XP_TYPE_VNC_SCALING, XP_VNC_SCALING_FIT,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_GRABBED] =
    g_param_spec_boolean ("grabbed", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_WIDTH] =
    g_param_spec_int ("width", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_HEIGHT] =
    g_param_spec_int ("height", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CONNECTED] =
    g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_DISCONNECTED] =
    g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_UNDOCK_REQUESTED] =
    g_signal_new ("undock-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "console.ctrl-alt-del", NULL, action_ctrl_alt_del);
  gtk_widget_class_install_action (widget_class, "console.type-clipboard", NULL, action_type_clipboard);
  gtk_widget_class_install_action (widget_class, "console.toggle-scaling", NULL, action_toggle_scaling);
  gtk_widget_class_install_action (widget_class, "console.fullscreen", NULL, action_fullscreen);
  gtk_widget_class_install_action (widget_class, "console.undock", NULL, action_undock);
  gtk_widget_class_install_action (widget_class, "console.release-grab", NULL, action_release_grab);

  gtk_widget_class_set_css_name (widget_class, "vncdisplay");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
xp_vnc_display_init (XpVncDisplay *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *controller;
  GtkGesture *click;

  self->scaling = XP_VNC_SCALING_FIT;
  self->abs_pointer = TRUE;
  self->pressed_keys = g_hash_table_new (NULL, NULL);
  self->pool = frame_pool_new ();

  gtk_widget_set_focusable (widget, TRUE);
  gtk_widget_set_focus_on_click (widget, TRUE);
  gtk_widget_set_overflow (widget, GTK_OVERFLOW_HIDDEN);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  g_signal_connect (controller, "key-released", G_CALLBACK (key_released_cb), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_focus_new ();
  g_signal_connect (controller, "leave", G_CALLBACK (focus_leave_cb), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (motion_track_cb), self);
  g_signal_connect (controller, "motion", G_CALLBACK (motion_track_cb), self);
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (widget, controller);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), 0);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  g_signal_connect (click, "released", G_CALLBACK (released_cb), self);
  g_signal_connect (click, "cancel", G_CALLBACK (click_cancel_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (click));

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES |
                                                GTK_EVENT_CONTROLLER_SCROLL_DISCRETE);
  g_signal_connect (controller, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (widget, controller);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Remote console"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Click to send keyboard and mouse input; press Ctrl+Alt to release the keyboard"),
                                  -1);
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */

GtkWidget *
xp_vnc_display_new (void)
{
  return g_object_new (XP_TYPE_VNC_DISPLAY, NULL);
}

gboolean
xp_vnc_display_get_connected (XpVncDisplay *self)
{
  g_return_val_if_fail (XP_IS_VNC_DISPLAY (self), FALSE);
  return self->connected;
}

XpVncScaling
xp_vnc_display_get_scaling (XpVncDisplay *self)
{
  g_return_val_if_fail (XP_IS_VNC_DISPLAY (self), XP_VNC_SCALING_FIT);
  return self->scaling;
}

void
xp_vnc_display_set_scaling (XpVncDisplay *self,
                            XpVncScaling  scaling)
{
  g_return_if_fail (XP_IS_VNC_DISPLAY (self));

  if (self->scaling == scaling)
    return;
  self->scaling = scaling;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALING]);
}

gboolean
xp_vnc_display_get_grabbed (XpVncDisplay *self)
{
  g_return_val_if_fail (XP_IS_VNC_DISPLAY (self), FALSE);
  return self->grabbed;
}

void
xp_vnc_display_set_grabbed (XpVncDisplay *self,
                            gboolean      grabbed)
{
  g_return_if_fail (XP_IS_VNC_DISPLAY (self));
  set_grabbed_internal (self, grabbed, NULL);
}

int
xp_vnc_display_get_width (XpVncDisplay *self)
{
  g_return_val_if_fail (XP_IS_VNC_DISPLAY (self), 0);
  return self->fb_width;
}

int
xp_vnc_display_get_height (XpVncDisplay *self)
{
  g_return_val_if_fail (XP_IS_VNC_DISPLAY (self), 0);
  return self->fb_height;
}

const char *
xp_vnc_display_get_name (XpVncDisplay *self)
{
  g_return_val_if_fail (XP_IS_VNC_DISPLAY (self), NULL);
  return self->name;
}

void
xp_vnc_display_toggle_fullscreen (XpVncDisplay *self)
{
  GtkRoot *root;

  g_return_if_fail (XP_IS_VNC_DISPLAY (self));

  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (root == NULL || !GTK_IS_WINDOW (root))
    return;
  if (gtk_window_is_fullscreen (GTK_WINDOW (root)))
    gtk_window_unfullscreen (GTK_WINDOW (root));
  else
    gtk_window_fullscreen (GTK_WINDOW (root));
}

GdkTexture *
xp_vnc_display_get_texture (XpVncDisplay *self)
{
  g_return_val_if_fail (XP_IS_VNC_DISPLAY (self), NULL);

  flush_damage (self);
  return self->texture;
}

guint64
xp_vnc_display_get_frame_count (XpVncDisplay *self)
{
  g_return_val_if_fail (XP_IS_VNC_DISPLAY (self), 0);
  return self->frame_count;
}

gboolean
xp_vnc_display_get_uses_scancodes (XpVncDisplay *self)
{
  g_return_val_if_fail (XP_IS_VNC_DISPLAY (self), FALSE);
  return self->conn != NULL && vnc_connection_get_ext_key_event (self->conn);
}

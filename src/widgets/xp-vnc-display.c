/* xp-vnc-display.c: GTK 4 VNC console widget on gvnc-1.0
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * gvnc decodes into a VncBaseFramebuffer in local format 32 bpp x8r8g8b8
 * (host byte order; B,G,R,x in memory on little endian) that the widget
 * owns.  The framebuffer is shown as a grid of TILE_SIZE tiles, each its own
 * GdkMemoryTexture.  Damage is coalesced per tile, and the dirty tiles are
 * rebuilt at most once per frame clock tick; unchanged tiles keep their
 * texture, so GSK's render node diff repaints only what changed.  gvnc
 * writes 0 into the pad byte, and GTK 4.8 has no opaque 32-bit memory
 * format: tile copies are packed B8G8R8 (see region_texture_new).
 *
 * Why tiles: gvnc hands each rectangle of an update over through an idle
 * callback, behind any pending GTK paint.  With one full-screen texture,
 * every rectangle of a full-screen update cost a full copy and a full
 * repaint (measured: 4 fps at 1024x768).  With tiles, a frame costs one
 * copy and one repaint in total, however it is split.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <gvnc.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "xp-vnc-display.h"
#include "xp-vnc-keymap.h"
#include "xapi-console-tunnel.h"

#define HINT_TIMEOUT_MS 4000

#define TILE_SIZE 128
#define PRESENT_COST_FACTOR 3
#define PRESENT_MAX_WAIT_US 100000   /* never fewer than 10 presents a second */
/* Screen area (pixels) of damage flushed per frame by all the displays of a
 * frame clock together; see tick_cb(). */
#define FRAME_AREA_BUDGET   (640 * 480)

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
  guint8             red_shift;        /* of the framebuffer's pixel format */
  guint8             green_shift;
  guint8             blue_shift;
  gboolean           set_format;
  VncFramebuffer    *fb;
  GdkTexture       **tiles;            /* n_tiles_x * n_tiles_y, row-major */
  guint8            *tile_dirty;
  int                n_tiles_x;
  int                n_tiles_y;
  gboolean           dirty;            /* some tile is dirty */
  gint64             dirty_since_us;   /* when the first dirty tile came */
  GdkTexture        *texture;          /* whole frame, built on demand (tests) */
  gboolean           texture_stale;
  guint              tick_id;
  GdkFrameClock     *frame_clock;
  gulong             after_paint_id;
  gint64             present_start_us;  /* tick that flushed damage, 0 once painted */
  gint64             last_present_us;
  gint64             present_cost_us;   /* moving average: flush to end of paint */
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

/* A copy of a framebuffer region (gvnc keeps writing into fb_data, so
 * textures need their own copy) in packed 24-bit RGB.  gvnc writes 0 into
 * the pad byte and GTK 4.8 has no opaque 32-bit memory format.  Measured
 * with GTK 4.8 (download of a 1920x1080 texture to cairo's format, as the
 * cairo renderer does): B8G8R8 2.3 ms, R8G8B8 3.2 ms, B8G8R8A8 8.2 ms,
 * GDK_MEMORY_DEFAULT 19 ms (no same-format shortcut).  When the pixel bytes
 * are already R,G,B or B,G,R in memory the copy only drops the pad byte,
 * four pixels (three words) at a time. */
static GdkTexture *
region_texture_new (XpVncDisplay *self,
                    int           x,
                    int           y,
                    int           w,
                    int           h)
{
  g_autoptr(GBytes) bytes = NULL;
  gsize dst_stride = (gsize) w * 3;
  guint8 *data = g_malloc (dst_stride * h + 4);
  guint rs = self->red_shift, gs = self->green_shift, bs = self->blue_shift;
  GdkMemoryFormat format;
  gboolean drop_pad;

#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  drop_pad = gs == 8 && ((rs == 16 && bs == 0) || (rs == 0 && bs == 16));
  format = rs == 0 ? GDK_MEMORY_R8G8B8 : GDK_MEMORY_B8G8R8;
#else
  drop_pad = FALSE;
  format = GDK_MEMORY_B8G8R8;
#endif
  if (!drop_pad)
    format = GDK_MEMORY_B8G8R8;

  for (int row = 0; row < h; row++)
    {
      const guint32 *src = (const guint32 *) (self->fb_data + (gsize) (y + row) * self->fb_stride) + x;
      guint8 *dst = data + row * dst_stride;
      int i = 0;

      if (drop_pad)
        {
          for (; i + 4 <= w; i += 4, dst += 12)
            {
              guint32 p0 = src[i], p1 = src[i + 1], p2 = src[i + 2], p3 = src[i + 3];
              guint32 words[3] = {
                (p0 & 0xffffff) | p1 << 24,
                ((p1 >> 8) & 0xffff) | p2 << 16,
                ((p2 >> 16) & 0xff) | p3 << 8,
              };
              memcpy (dst, words, sizeof words);
            }
          for (; i < w; i++, dst += 3)
            {
              guint32 p = src[i];
              dst[0] = (guint8) p;
              dst[1] = (guint8) (p >> 8);
              dst[2] = (guint8) (p >> 16);
            }
        }
      else
        for (; i < w; i++, dst += 3)
          {
            guint32 p = src[i];
            dst[0] = (guint8) (p >> bs);
            dst[1] = (guint8) (p >> gs);
            dst[2] = (guint8) (p >> rs);
          }
    }
  bytes = g_bytes_new_take (data, dst_stride * h);
  return gdk_memory_texture_new (w, h, format, bytes, dst_stride);
}

static void
flush_damage (XpVncDisplay *self)
{
  if (!self->dirty || self->fb_data == NULL)
    return;

  for (int ty = 0; ty < self->n_tiles_y; ty++)
    for (int tx = 0; tx < self->n_tiles_x; tx++)
      {
        int i = ty * self->n_tiles_x + tx;
        int x = tx * TILE_SIZE;
        int y = ty * TILE_SIZE;

        if (!self->tile_dirty[i])
          continue;
        self->tile_dirty[i] = FALSE;
        g_clear_object (&self->tiles[i]);
        self->tiles[i] = region_texture_new (self, x, y,
                                             MIN (TILE_SIZE, self->fb_width - x),
                                             MIN (TILE_SIZE, self->fb_height - y));
      }
  self->dirty = FALSE;
  self->frame_count++;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* On screen, the part of the display its dirty tiles cover. */
static gint64
dirty_screen_area (XpVncDisplay *self)
{
  int n = self->n_tiles_x * self->n_tiles_y, dirty = 0;

  for (int i = 0; i < n; i++)
    dirty += self->tile_dirty[i] != 0;
  return n > 0 ? (gint64) gtk_widget_get_width (GTK_WIDGET (self)) *
                 gtk_widget_get_height (GTK_WIDGET (self)) * dirty / n : 0;
}

/* The displays of a window are painted in one frame: with eight or more
 * full-motion consoles in view, rebuilding and repainting them all in the
 * same frame made frames of 60-85 ms (cairo).  They share a budget of
 * screen area per frame instead: once it is spent the others wait for the
 * next frame, first in line then (a display that flushed is ticked last
 * the next time).  The first display of a frame always goes, and so does
 * one that has waited PRESENT_MAX_WAIT_US. */
static struct {
  GdkFrameClock *clock;
  gint64         frame;
  gint64         area;
} frame_budget;

static gboolean
frame_budget_take (XpVncDisplay  *self,
                   GdkFrameClock *clock,
                   gint64         now)
{
  gint64 frame = gdk_frame_clock_get_frame_counter (clock);
  gint64 area = dirty_screen_area (self);

  if (frame_budget.clock != clock || frame_budget.frame != frame)
    {
      frame_budget.clock = clock;
      frame_budget.frame = frame;
      frame_budget.area = 0;
    }
  if (frame_budget.area > 0 && frame_budget.area + area > FRAME_AREA_BUDGET &&
      now - self->dirty_since_us < PRESENT_MAX_WAIT_US)
    return FALSE;
  frame_budget.area += MAX (area, 1);
  return TRUE;
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  XpVncDisplay *self = XP_VNC_DISPLAY (widget);
  gint64 now = g_get_monotonic_time ();

  /* Presenting a frame has a fixed cost in GTK (a window-sized paint
   * surface, the copy to the window) besides the damage itself.  Keep it
   * below about a third of the time, so that a stream of full-screen
   * updates is not slowed down by repainting it at every tick; small
   * updates (typing) are cheap to present and go out at once. */
  if (now - self->last_present_us < MIN (self->present_cost_us * PRESENT_COST_FACTOR,
                                         PRESENT_MAX_WAIT_US))
    return G_SOURCE_CONTINUE;
  if (!frame_budget_take (self, clock, now))
    return G_SOURCE_CONTINUE;

  flush_damage (self);
  self->present_start_us = now;
  self->tick_id = 0;
  return G_SOURCE_REMOVE;
}

static void
schedule_flush (XpVncDisplay *self,
                int           x,
                int           y,
                int           w,
                int           h)
{
  int tx0, ty0, tx1, ty1;

  x = CLAMP (x, 0, self->fb_width);
  y = CLAMP (y, 0, self->fb_height);
  w = MIN (w, self->fb_width - x);
  h = MIN (h, self->fb_height - y);
  if (w <= 0 || h <= 0 || self->tile_dirty == NULL)
    return;

  tx0 = x / TILE_SIZE;
  ty0 = y / TILE_SIZE;
  tx1 = (x + w - 1) / TILE_SIZE;
  ty1 = (y + h - 1) / TILE_SIZE;
  for (int ty = ty0; ty <= ty1; ty++)
    memset (self->tile_dirty + ty * self->n_tiles_x + tx0, 1, tx1 - tx0 + 1);
  if (!self->dirty)
    self->dirty_since_us = g_get_monotonic_time ();
  self->dirty = TRUE;
  self->texture_stale = TRUE;
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
}

static void
free_framebuffer (XpVncDisplay *self)
{
  for (int i = 0; i < self->n_tiles_x * self->n_tiles_y; i++)
    g_clear_object (&self->tiles[i]);
  g_clear_pointer (&self->tiles, g_free);
  g_clear_pointer (&self->tile_dirty, g_free);
  self->n_tiles_x = self->n_tiles_y = 0;
  self->dirty = FALSE;
  g_clear_object (&self->texture);
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
  const VncPixelFormat *server = vnc_connection_get_pixel_format (self->conn);
  gboolean size_changed = width != self->fb_width || height != self->fb_height;

  /* Keep the server's own format when it is 32-bit true colour with 8-bit
   * channels (QEMU's and libvncserver's default): the server then encodes
   * without translating (its Tight JPEG path needs that; measured 10x more
   * frames at 1920x1080) and gvnc decodes without converting, as
   * gvncviewer does.  Otherwise ask for native x8r8g8b8. */
  if (server != NULL && server->true_color_flag && server->bits_per_pixel == 32 &&
      server->depth == 24 && server->red_max == 255 && server->green_max == 255 &&
      server->blue_max == 255 && server->byte_order == G_BYTE_ORDER &&
      server->red_shift % 8 == 0 && server->green_shift % 8 == 0 && server->blue_shift % 8 == 0 &&
      server->red_shift <= 24 && server->green_shift <= 24 && server->blue_shift <= 24)
    {
      fmt = *server;
      self->set_format = FALSE;
    }
  else
    self->set_format = TRUE;
  self->red_shift = fmt.red_shift;
  self->green_shift = fmt.green_shift;
  self->blue_shift = fmt.blue_shift;

  free_framebuffer (self);
  self->fb_width = width;
  self->fb_height = height;
  self->fb_stride = width * 4;
  self->fb_data = g_malloc0 ((gsize) self->fb_stride * MAX (height, 1));
  self->n_tiles_x = (width + TILE_SIZE - 1) / TILE_SIZE;
  self->n_tiles_y = (height + TILE_SIZE - 1) / TILE_SIZE;
  self->tiles = g_new0 (GdkTexture *, (gsize) self->n_tiles_x * self->n_tiles_y);
  self->tile_dirty = g_new0 (guint8, (gsize) self->n_tiles_x * self->n_tiles_y);
  self->fb = VNC_FRAMEBUFFER (vnc_base_framebuffer_new (self->fb_data, width, height,
                                                        self->fb_stride, &fmt, &fmt));
  vnc_connection_set_framebuffer (self->conn, self->fb);
  if (self->set_format)
    vnc_connection_set_pixel_format (self->conn, &fmt);

  if (size_changed)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WIDTH]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEIGHT]);
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
  self->remote_x = width / 2.0;
  self->remote_y = height / 2.0;
  schedule_flush (self, 0, 0, width, height);
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
  /* JPEG quality 5 first, as gtk-vnc's viewers do: servers use JPEG only
   * for photo-like regions (text and flat areas stay lossless), and gvnc's
   * lossless Tight gradient path converts pixel by pixel (measured: 7x
   * slower for full-screen video-like updates). */
  gint32 encodings[] = {
    VNC_CONNECTION_ENCODING_TIGHT_JPEG5,
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

  /* Damage is only recorded: dirty tiles are rebuilt once per tick. */
  schedule_flush (self, x, y, width, height);
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
  gboolean      for_connection;
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

  if (od->for_connection)
    fd = xapi_console_tunnel_open_for_connection_finish (result, &error);
  else
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

void
xp_vnc_display_open_console_for_connection (XpVncDisplay   *self,
                                            XapiConnection *connection,
                                            const char     *location)
{
  OpenData *od;

  g_return_if_fail (XP_IS_VNC_DISPLAY (self));
  g_return_if_fail (XAPI_IS_CONNECTION (connection));
  g_return_if_fail (location != NULL);

  xp_vnc_display_close (self);

  self->open_cancellable = g_cancellable_new ();
  od = g_new0 (OpenData, 1);
  g_weak_ref_init (&od->display, self);
  od->cancellable = g_object_ref (self->open_cancellable);
  od->for_connection = TRUE;
  xapi_console_tunnel_open_for_connection_async (connection, location, self->open_cancellable,
                                                 tunnel_opened_cb, od);
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
  int sf;

  if (self->tiles == NULL)
    {
      gtk_snapshot_append_color (snapshot, &black, &GRAPHENE_RECT_INIT (0, 0, w, h));
      return;
    }

  get_geometry (self, &ox, &oy, &s);
  sf = gtk_widget_get_scale_factor (widget);

  /* Black only around the desktop: painting it under the tiles would
   * repaint it with every damaged tile. */
  {
    float fx0 = roundf (ox * sf) / sf, fy0 = roundf (oy * sf) / sf;
    float fx1 = roundf ((ox + self->fb_width * s) * sf) / sf;
    float fy1 = roundf ((oy + self->fb_height * s) * sf) / sf;

    if (fy0 > 0)
      gtk_snapshot_append_color (snapshot, &black, &GRAPHENE_RECT_INIT (0, 0, w, fy0));
    if (fy1 < h)
      gtk_snapshot_append_color (snapshot, &black, &GRAPHENE_RECT_INIT (0, fy1, w, h - fy1));
    if (fx0 > 0)
      gtk_snapshot_append_color (snapshot, &black, &GRAPHENE_RECT_INIT (0, fy0, fx0, fy1 - fy0));
    if (fx1 < w)
      gtk_snapshot_append_color (snapshot, &black, &GRAPHENE_RECT_INIT (fx1, fy0, w - fx1, fy1 - fy0));
  }
  for (int ty = 0; ty < self->n_tiles_y; ty++)
    {
      /* Tile edges are rounded to device pixels so that neighbours meet
       * without a seam when the desktop is scaled. */
      float y0 = roundf ((oy + ty * TILE_SIZE * s) * sf) / sf;
      float y1 = roundf ((oy + MIN ((ty + 1) * TILE_SIZE, self->fb_height) * s) * sf) / sf;

      for (int tx = 0; tx < self->n_tiles_x; tx++)
        {
          GdkTexture *tile = self->tiles[ty * self->n_tiles_x + tx];
          float x0 = roundf ((ox + tx * TILE_SIZE * s) * sf) / sf;
          float x1 = roundf ((ox + MIN ((tx + 1) * TILE_SIZE, self->fb_width) * s) * sf) / sf;

          if (tile != NULL && x1 > x0 && y1 > y0)
            gtk_snapshot_append_texture (snapshot, tile, &GRAPHENE_RECT_INIT (x0, y0, x1 - x0, y1 - y0));
        }
    }

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
after_paint_cb (GdkFrameClock *clock,
                XpVncDisplay  *self)
{
  gint64 cost;

  if (self->present_start_us == 0)
    return;
  cost = g_get_monotonic_time () - self->present_start_us;
  self->present_cost_us = self->present_cost_us == 0 ? cost : (3 * self->present_cost_us + cost) / 4;
  self->last_present_us = self->present_start_us;
  self->present_start_us = 0;
}

static void
xp_vnc_display_unrealize (GtkWidget *widget)
{
  XpVncDisplay *self = XP_VNC_DISPLAY (widget);

  if (self->frame_clock != NULL)
    {
      g_clear_signal_handler (&self->after_paint_id, self->frame_clock);
      g_clear_object (&self->frame_clock);
    }
  GTK_WIDGET_CLASS (xp_vnc_display_parent_class)->unrealize (widget);
}

static void
xp_vnc_display_realize (GtkWidget *widget)
{
  XpVncDisplay *self = XP_VNC_DISPLAY (widget);
  const char *type;

  GTK_WIDGET_CLASS (xp_vnc_display_parent_class)->realize (widget);

  self->frame_clock = gtk_widget_get_frame_clock (widget);
  if (self->frame_clock != NULL)
    {
      g_object_ref (self->frame_clock);
      self->after_paint_id = g_signal_connect (self->frame_clock, "after-paint",
                                               G_CALLBACK (after_paint_cb), self);
    }

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
  widget_class->unrealize = xp_vnc_display_unrealize;
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
  if (self->fb_data == NULL)
    return NULL;
  if (self->texture == NULL || self->texture_stale)
    {
      g_clear_object (&self->texture);
      self->texture = region_texture_new (self, 0, 0, self->fb_width, self->fb_height);
      self->texture_stale = FALSE;
    }
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

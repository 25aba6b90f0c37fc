/* xp-vnc-display.h: GTK 4 VNC console widget on gvnc-1.0
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "xapi-connection.h"

G_BEGIN_DECLS

typedef enum {
  XP_VNC_SCALING_FIT,    /* scale the desktop to the allocation, keeping the aspect ratio */
  XP_VNC_SCALING_NONE,   /* one framebuffer pixel per device pixel; put the widget in a
                          * GtkScrolledWindow to scroll */
} XpVncScaling;

GType xp_vnc_scaling_get_type (void) G_GNUC_CONST;
#define XP_TYPE_VNC_SCALING (xp_vnc_scaling_get_type ())

#define XP_TYPE_VNC_DISPLAY (xp_vnc_display_get_type ())
G_DECLARE_FINAL_TYPE (XpVncDisplay, xp_vnc_display, XP, VNC_DISPLAY, GtkWidget)

/* Properties: "connected" (bool, read-only, TRUE once the framebuffer is set
 * up), "scaling" (XpVncScaling), "grabbed" (bool; keyboard grabbed; write
 * FALSE to release), "width", "height" (desktop size, read-only), "name"
 * (desktop name, read-only).
 *
 * Signals: "connected" (), "disconnected" (), "error" (const char *message),
 * "undock-requested" () (Alt+Shift+U or the console.undock action; the page
 * that hosts the widget moves it into its own window).
 *
 * Actions (for buttons and menus, e.g. action-name "console.ctrl-alt-del"):
 * console.ctrl-alt-del, console.type-clipboard, console.toggle-scaling,
 * console.fullscreen, console.undock, console.release-grab.
 *
 * Keys inside the console: Ctrl+Alt releases the keyboard grab,
 * Ctrl+Alt+Insert sends Ctrl+Alt+Del, Ctrl+Alt+F toggles full screen,
 * Alt+Shift+U requests undocking; everything else goes to the guest. */

GtkWidget    *xp_vnc_display_new              (void);

/* Start RFB on an already-connected socket; the widget takes ownership of @fd.
 * Any previous connection is closed first. */
void          xp_vnc_display_open_fd          (XpVncDisplay *self,
                                               int           fd);
/* Open a XenAPI console (console.location) through the CONNECT tunnel, then
 * RFB.  Errors are reported with the "error" signal. */
void          xp_vnc_display_open_console     (XpVncDisplay *self,
                                               const char   *location,
                                               const char   *session_ref,
                                               const char   *pinned_sha256);
/* Same with @connection's session, held to the certificate of the host in
 * @location as the pool publishes it (see
 * xapi_console_tunnel_open_for_connection_async()). */
void          xp_vnc_display_open_console_for_connection (XpVncDisplay   *self,
                                                          XapiConnection *connection,
                                                          const char     *location);
void          xp_vnc_display_close            (XpVncDisplay *self);

gboolean      xp_vnc_display_get_connected    (XpVncDisplay *self);
XpVncScaling  xp_vnc_display_get_scaling      (XpVncDisplay *self);
void          xp_vnc_display_set_scaling      (XpVncDisplay *self,
                                               XpVncScaling  scaling);
gboolean      xp_vnc_display_get_grabbed      (XpVncDisplay *self);
/* Grab the keyboard (inhibit the compositor's shortcuts) or release it. */
void          xp_vnc_display_set_grabbed      (XpVncDisplay *self,
                                               gboolean      grabbed);
int           xp_vnc_display_get_width        (XpVncDisplay *self);
int           xp_vnc_display_get_height       (XpVncDisplay *self);
const char   *xp_vnc_display_get_name         (XpVncDisplay *self);

void          xp_vnc_display_send_ctrl_alt_del (XpVncDisplay *self);
/* Send @text as key strokes (for pasting into consoles without a clipboard). */
void          xp_vnc_display_type_text        (XpVncDisplay *self,
                                               const char   *text);
/* Toggle full screen of the window that contains the widget. */
void          xp_vnc_display_toggle_fullscreen (XpVncDisplay *self);

/* Test and benchmark hooks: the current frame as one texture (pending damage
 * is flushed first; NULL before the first frame; the widget itself draws
 * tiles), and the number of frames presented (damage flushes, at most one
 * per frame clock tick). */
GdkTexture   *xp_vnc_display_get_texture      (XpVncDisplay *self);
guint64       xp_vnc_display_get_frame_count  (XpVncDisplay *self);
/* TRUE when the server accepted the QEMU extended key event (scancodes). */
gboolean      xp_vnc_display_get_uses_scancodes (XpVncDisplay *self);

G_END_DECLS

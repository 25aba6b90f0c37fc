/* xp-console-view.h: the console page of a VM or a host
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "xapi-object.h"
#include "xp-vnc-display.h"

G_BEGIN_DECLS

#define XP_TYPE_CONSOLE_VIEW (xp_console_view_get_type ())
G_DECLARE_FINAL_TYPE (XpConsoleView, xp_console_view, XP, CONSOLE_VIEW, GtkWidget)

/* A toolbar (Ctrl+Alt+Del, scale to fit / 1:1, full screen, undock,
 * keyboard grab, type clipboard) over an XpVncDisplay, or a status page when
 * there is nothing to show.
 *
 * For a VM it shows the VM's RFB console (VM.consoles in the connection's
 * cache) while the VM is running or paused; for a host, the console of the
 * host's control domain.  It follows the object through the cache: a new
 * console object, a new domain (reboot) or a new console location (the VM
 * migrated to another host) reconnects; a halted VM shows a status page.
 * The tunnel uses the connection's session and certificate pin.
 *
 * Property "object" (XapiObject, a VM or a host, or NULL). */

GtkWidget    *xp_console_view_new         (void);
void          xp_console_view_set_object  (XpConsoleView *self,
                                           XapiObject    *vm_or_host_or_null);
XapiObject   *xp_console_view_get_object  (XpConsoleView *self);

/* Undock into a window of its own, or back (TRUE = undocked). */
void          xp_console_view_set_undocked (XpConsoleView *self,
                                            gboolean       undocked);
gboolean      xp_console_view_get_undocked (XpConsoleView *self);

/* Test hooks: the display, the visible page ("console" or "status"), the
 * status page's title, and the console location currently used (or NULL). */
XpVncDisplay *xp_console_view_get_display  (XpConsoleView *self);
const char   *xp_console_view_get_page     (XpConsoleView *self);
const char   *xp_console_view_get_status_title (XpConsoleView *self);
const char   *xp_console_view_get_location (XpConsoleView *self);

G_END_DECLS

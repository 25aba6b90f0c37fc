/* xp-window.h: the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xp-application.h"
#include "xp-sidebar.h"

G_BEGIN_DECLS

#define XP_TYPE_WINDOW (xp_window_get_type ())
G_DECLARE_FINAL_TYPE (XpWindow, xp_window, XP, WINDOW, AdwApplicationWindow)

XpWindow  *xp_window_new               (XpApplication  *app);
void       xp_window_add_toast         (XpWindow       *self,
                                        const char     *text);
XpSidebar *xp_window_get_sidebar       (XpWindow       *self);
/* Select a connection's row and show it. */
void       xp_window_show_connection   (XpWindow       *self,
                                        XapiConnection *conn);
/* "details", "tasks" or "alerts". */
void       xp_window_show_page         (XpWindow       *self,
                                        const char     *name);
GtkWidget *xp_window_get_task_view     (XpWindow       *self);
GtkWidget *xp_window_get_alerts_view   (XpWindow       *self);

G_END_DECLS

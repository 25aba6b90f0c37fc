/* xp-task-view.h: every XenAPI task of every connection, live
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define XP_TYPE_TASK_VIEW (xp_task_view_get_type ())
G_DECLARE_FINAL_TYPE (XpTaskView, xp_task_view, XP, TASK_VIEW, GtkWidget)

/* @connections: GListModel of XapiConnection.
 * Signal "toast" (const char *text). */
GtkWidget  *xp_task_view_new       (GListModel *connections);
/* The tasks shown, newest first (GListModel of XapiTask); transfer none. */
GListModel *xp_task_view_get_model (XpTaskView *self);

G_END_DECLS

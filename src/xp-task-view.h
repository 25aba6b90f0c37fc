/* xp-task-view.h: every XenAPI task of every connection, live
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <xapi-classes.h>

G_BEGIN_DECLS

#define XP_TYPE_TASK_VIEW (xp_task_view_get_type ())
G_DECLARE_FINAL_TYPE (XpTaskView, xp_task_view, XP, TASK_VIEW, GtkWidget)

/* @connections: GListModel of XapiConnection.
 * Signals "toast" (const char *text) and "long-task-finished" (XapiTask *),
 * for a task that ended after being pending for the long-task time. */
GtkWidget  *xp_task_view_new       (GListModel *connections);
/* The tasks shown, newest first (GListModel of XapiTask); transfer none. */
GListModel *xp_task_view_get_model (XpTaskView *self);
/* How long a task must run to count as long (default 10 s). */
void        xp_task_view_set_long_task_ms (XpTaskView *self,
                                           guint       ms);
/* A desktop notification saying @task ended; transfer full. */
GNotification *xp_task_view_build_notification (XapiTask *task);

G_END_DECLS

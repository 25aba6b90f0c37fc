/* xp-alerts-view.h: XAPI alerts (message objects) of every connection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define XP_TYPE_ALERTS_VIEW (xp_alerts_view_get_type ())
G_DECLARE_FINAL_TYPE (XpAlertsView, xp_alerts_view, XP, ALERTS_VIEW, GtkWidget)

/* @connections: GListModel of XapiConnection.
 * Signal "toast" (const char *text). */
GtkWidget  *xp_alerts_view_new         (GListModel   *connections);
/* The alerts shown, newest first (GListModel of XapiMessage); transfer none. */
GListModel *xp_alerts_view_get_model   (XpAlertsView *self);
/* message.destroy on every alert shown. */
void        xp_alerts_view_dismiss_all (XpAlertsView *self);

G_END_DECLS

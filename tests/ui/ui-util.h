/* ui-util.h: prerequisites and widget lookups shared by the in-process UI tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Whether the simulator is built and there is a display; if not, the test
 * is marked skipped with the reason. */
gboolean   xp_test_have_sim_and_display (void);

/* The first widget in @root's tree (@root first, then depth first) that
 * @match takes, or NULL. */
GtkWidget *xp_test_find       (GtkWidget  *root,
                               gboolean  (*match) (GtkWidget *widget,
                                                   gpointer   data),
                               gpointer    data);
/* The first widget named @name (gtk_widget_set_name) in @root's tree, or NULL. */
GtkWidget *xp_test_find_named (GtkWidget  *root,
                               const char *name);
/* The same in a window; fails the test when there is none. */
GtkWidget *xp_test_get        (GtkWindow  *win,
                               const char *name);

G_END_DECLS

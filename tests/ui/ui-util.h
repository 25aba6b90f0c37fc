/* ui-util.h: widget lookups shared by the in-process UI tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The first widget named @name (gtk_widget_set_name) in @root's tree, or NULL. */
GtkWidget *xp_test_find_named (GtkWidget  *root,
                               const char *name);
/* The same in a window; fails the test when there is none. */
GtkWidget *xp_test_get        (GtkWindow  *win,
                               const char *name);

G_END_DECLS

/* xp-details-view.h: header and pages for the selected objects
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define XP_TYPE_DETAILS_VIEW (xp_details_view_get_type ())
G_DECLARE_FINAL_TYPE (XpDetailsView, xp_details_view, XP, DETAILS_VIEW, GtkWidget)

GtkWidget  *xp_details_view_new            (void);
/* @objects: XapiObject*, transfer none (copied). */
void        xp_details_view_set_selection  (XpDetailsView *self,
                                            GPtrArray     *objects);

/* Tests: the visible page's name, switch page, the page's content box. */
const char *xp_details_view_get_page       (XpDetailsView *self);
void        xp_details_view_set_page       (XpDetailsView *self,
                                            const char    *name);
GtkWidget  *xp_details_view_get_page_box   (XpDetailsView *self,
                                            const char    *name);
/* Number of signal handlers currently connected to watched objects. */
guint       xp_details_view_get_n_watches  (XpDetailsView *self);

G_END_DECLS

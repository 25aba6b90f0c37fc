/* xp-sidebar.h: search, view switcher and the live object tree
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "xp-tree-model.h"

G_BEGIN_DECLS

#define XP_TYPE_SIDEBAR (xp_sidebar_get_type ())
G_DECLARE_FINAL_TYPE (XpSidebar, xp_sidebar, XP, SIDEBAR, GtkWidget)

/* Signals:
 *   "selection-changed" ()
 *   "context-menu" (GObject *item, GtkWidget *parent, double x, double y)
 *                  right click, Menu or Shift+F10 on a row; the menu goes on
 *                  parent (the sidebar), pointing at x, y in its coordinates
 *   "activate-item" (GObject *item)    Enter / double click
 *   "vm-dropped" (XapiVm *vm, XapiHost *host)  a VM row dragged onto a host row
 */

GtkWidget   *xp_sidebar_new               (GListModel *connections);
XpTreeModel *xp_sidebar_get_tree_model    (XpSidebar  *self);
/* The selected items (XapiConnection, XapiObject or XpTreeGroup), transfer container. */
GPtrArray   *xp_sidebar_get_selection     (XpSidebar  *self);
/* Select the row showing @item (a connection or any row currently visible). */
gboolean     xp_sidebar_select_item       (XpSidebar  *self,
                                           GObject    *item);
void         xp_sidebar_set_view          (XpSidebar  *self,
                                           XpTreeView  view);
void         xp_sidebar_set_show_templates (XpSidebar *self,
                                           gboolean    show);
GtkEditable *xp_sidebar_get_search_entry  (XpSidebar  *self);
GtkWidget   *xp_sidebar_get_list_view     (XpSidebar  *self);

G_END_DECLS

/* xp-tree-model.h: the sidebar's live tree (GtkTreeListModel over the caches)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <xapi-classes.h>
#include <xapi-cache.h>
#include <xapi-connection.h>

G_BEGIN_DECLS

typedef enum {
  XP_TREE_VIEW_INFRASTRUCTURE,
  XP_TREE_VIEW_OBJECTS,
  XP_TREE_VIEW_TAGS,
  XP_TREE_VIEW_FOLDERS,
} XpTreeView;

/* A group node ("Virtual Machines", "Storage", ...) with its child model. */
#define XP_TYPE_TREE_GROUP (xp_tree_group_get_type ())
G_DECLARE_FINAL_TYPE (XpTreeGroup, xp_tree_group, XP, TREE_GROUP, GObject)

const char *xp_tree_group_get_title     (XpTreeGroup *self);
const char *xp_tree_group_get_icon_name (XpTreeGroup *self);
GListModel *xp_tree_group_get_model     (XpTreeGroup *self);

#define XP_TYPE_TREE_MODEL (xp_tree_model_get_type ())
G_DECLARE_FINAL_TYPE (XpTreeModel, xp_tree_model, XP, TREE_MODEL, GObject)

/* @connections: a GListModel of XapiConnection (kept). */
XpTreeModel *xp_tree_model_new                (GListModel  *connections);
/* The current GtkTreeListModel (property "model"); a new one is made when
 * the view or the template setting changes.  The search has a model of its
 * own, kept from one search to the next, and while searching the
 * Infrastructure tree is kept as it is for when the search ends.
 * Transfer none. */
GListModel  *xp_tree_model_get_model          (XpTreeModel *self);
void         xp_tree_model_set_view           (XpTreeModel *self,
                                               XpTreeView   view);
XpTreeView   xp_tree_model_get_view           (XpTreeModel *self);
void         xp_tree_model_set_show_templates (XpTreeModel *self,
                                               gboolean     show);
/* Type-to-filter: a flat list of the objects whose name, UUID, IP address or
 * tag matches @text; NULL or "" returns to the tree. */
void         xp_tree_model_set_search         (XpTreeModel *self,
                                               const char  *text);
/* Whether the model is the search's flat list. */
gboolean     xp_tree_model_get_searching      (XpTreeModel *self);

/* Helpers shared with the rest of the window. */
char        *xp_object_dup_display_name       (GObject     *item);
const char  *xp_object_get_icon_name          (GObject     *item);
const char * const *xp_object_icon_names      (void);
/* Short state text for a row ("Running", "Connecting…"); NULL when none.
 * *is_error is set for failures. */
char        *xp_object_dup_state_text         (GObject     *item,
                                               gboolean    *is_error);
/* Natural ("VM 2" < "VM 10"), case-insensitive comparison. */
int          xp_natural_compare               (const char  *a,
                                               const char  *b);
/* TRUE when @object matches the search text (already case-folded). */
gboolean     xp_object_matches_search         (XapiObject  *object,
                                               const char  *folded_text);
/* Whether a VM is a default (built-in) template. */
gboolean     xp_vm_is_default_template        (XapiVm      *vm);

G_END_DECLS

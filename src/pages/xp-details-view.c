/* xp-details-view.c: header and pages for the selected objects
 *
 * The header shows the name, the state and the main "obj.*" actions of the
 * selection; below it an AdwViewStack holds the pages that apply to the
 * selected object's type.  Pages are rebuilt from the live objects: every
 * object a page shows is watched ("notify"), a change marks the pages dirty
 * and rebuilds the header and the visible page at idle priority (hidden pages
 * are rebuilt when they are shown).  All handlers are disconnected when the
 * selection changes or the view is disposed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "xp-details-view.h"
#include "xp-pages.h"
#include "xp-console-view.h"

typedef struct {
  const char *name;
  const char *title;
  const char *icon;
  guint       kinds;
  void      (*build) (XpPageCtx *ctx, GtkBox *page, XapiObject *obj);
} PageInfo;

#define ALL_KINDS (XP_KIND_VM | XP_KIND_TEMPLATE | XP_KIND_SNAPSHOT | XP_KIND_HOST | XP_KIND_SR \
                   | XP_KIND_POOL | XP_KIND_NETWORK | XP_KIND_VDI | XP_KIND_OTHER)

static const PageInfo page_infos[] = {
  { "general", N_("General"), "document-properties-symbolic", ALL_KINDS | 0x10000, xp_page_general_build },
  { "memory", N_("Memory"), "media-flash-symbolic", XP_KIND_VM | XP_KIND_TEMPLATE | XP_KIND_HOST, xp_page_memory_build },
  { "storage", N_("Storage"), "drive-harddisk-symbolic",
    XP_KIND_VM | XP_KIND_TEMPLATE | XP_KIND_SNAPSHOT | XP_KIND_SR | XP_KIND_HOST | XP_KIND_POOL, xp_page_storage_build },
  { "networking", N_("Networking"), "network-workgroup-symbolic",
    XP_KIND_VM | XP_KIND_TEMPLATE | XP_KIND_HOST | XP_KIND_POOL, xp_page_network_build },
  { "nics", N_("NICs"), "network-wired-symbolic", XP_KIND_HOST, xp_page_nics_build },
  { "ha", N_("HA"), "emblem-default-symbolic", XP_KIND_POOL, xp_page_ha_build },
  { "snapshots", N_("Snapshots"), "camera-photo-symbolic", XP_KIND_VM, xp_page_snapshots_build },
  { "console", N_("Console"), "utilities-terminal-symbolic", XP_KIND_VM | XP_KIND_HOST, NULL },
  { "logs", N_("Logs"), "document-open-recent-symbolic", ALL_KINDS, xp_page_logs_build },
};

struct _XpPageCtx
{
  XpDetailsView *view;
};

struct _XpDetailsView
{
  GtkWidget      parent_instance;

  GtkWidget     *box;
  GtkWidget     *title;
  GtkWidget     *subtitle;
  GtkWidget     *icon;
  GtkWidget     *buttons;
  GtkWidget     *menu_button;
  GtkWidget     *switcher;
  AdwViewStack  *stack;
  GtkWidget     *page_boxes[G_N_ELEMENTS (page_infos)];     /* content boxes (NULL: console) */
  GtkWidget     *page_children[G_N_ELEMENTS (page_infos)];  /* stack children */
  GtkWidget     *summary_box;
  GtkWidget     *summary_child;
  GtkWidget     *console;
  GtkWidget     *empty;

  GPtrArray     *selection;      /* XapiObject, owned */
  GHashTable    *watches;        /* GObject (owned) -> handler id */
  guint          dirty;          /* bit per page_infos entry, bit 31 = summary */
  guint          rebuild_id;
  guint          retry_id;
  XpKind         kind;           /* kind of the single selected object */
  XpPageCtx      ctx;
};

G_DEFINE_FINAL_TYPE (XpDetailsView, xp_details_view, GTK_TYPE_WIDGET)

#define SUMMARY_BIT (1u << 31)

static void queue_rebuild (XpDetailsView *self);

static void
watched_changed_cb (GObject  *object,
                    gpointer  pspec_or_pos,
                    gpointer  user_data)
{
  XpDetailsView *self = user_data;

  self->dirty = ~0u;
  queue_rebuild (self);
}

static void
model_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  watched_changed_cb (G_OBJECT (model), NULL, user_data);
}

void
xp_page_ctx_watch (XpPageCtx *ctx,
                   gpointer   object)
{
  XpDetailsView *self = ctx->view;
  gulong id;

  if (object == NULL || g_hash_table_contains (self->watches, object))
    return;
  id = g_signal_connect (object, "notify", G_CALLBACK (watched_changed_cb), self);
  g_hash_table_insert (self->watches, g_object_ref (object), GSIZE_TO_POINTER (id));
}

void
xp_page_ctx_watch_model (XpPageCtx  *ctx,
                         GListModel *model)
{
  XpDetailsView *self = ctx->view;
  gulong id;

  if (model == NULL || g_hash_table_contains (self->watches, model))
    return;
  id = g_signal_connect (model, "items-changed", G_CALLBACK (model_changed_cb), self);
  g_hash_table_insert (self->watches, g_object_ref (model), GSIZE_TO_POINTER (id));
}

void
xp_page_ctx_watch_array (XpPageCtx *ctx,
                         GPtrArray *objects)
{
  for (guint i = 0; objects != NULL && i < objects->len; i++)
    xp_page_ctx_watch (ctx, g_ptr_array_index (objects, i));
}

static void
unwatch_all (XpDetailsView *self)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_signal_handler_disconnect (key, GPOINTER_TO_SIZE (value));
      g_hash_table_iter_remove (&iter);
    }
}

/* ---- header ---- */

static const char *
state_text (XapiObject *obj)
{
  XpKind kind = xp_object_kind (obj);
  const char *ps;

  if (xapi_object_is_gone (obj))
    return _("Deleted");
  switch (kind)
    {
    case XP_KIND_VM:
      ps = xp_field_enum (obj, "power_state");
      if (g_str_equal (ps, "Running")) return _("Running");
      if (g_str_equal (ps, "Halted")) return _("Halted");
      if (g_str_equal (ps, "Suspended")) return _("Suspended");
      if (g_str_equal (ps, "Paused")) return _("Paused");
      return _("Unknown state");
    case XP_KIND_HOST:
      {
        XapiObject *metrics = xp_follow (obj, "metrics");
        if (metrics != NULL && !xp_field_bool (metrics, "live"))
          return _("Offline");
        return xp_field_bool (obj, "enabled") ? _("Online") : _("Maintenance mode");
      }
    default:
      return xp_kind_name (kind);
    }
}

static const char *
kind_icon (XapiObject *obj)
{
  switch (xp_object_kind (obj))
    {
    case XP_KIND_VM: return "computer-symbolic";
    case XP_KIND_TEMPLATE: return "document-new-symbolic";
    case XP_KIND_SNAPSHOT: return "camera-photo-symbolic";
    case XP_KIND_HOST: return "network-server-symbolic";
    case XP_KIND_SR: return "drive-multidisk-symbolic";
    case XP_KIND_POOL: return "view-grid-symbolic";
    case XP_KIND_NETWORK: return "network-wired-symbolic";
    default: return "emblem-system-symbolic";
    }
}

typedef struct {
  const char *action;
  const char *icon;
  const char *label;
} HeaderAction;

static const HeaderAction vm_buttons[] = {
  { "obj.start", "media-playback-start-symbolic", N_("Start") },
  { "obj.resume", "media-playback-start-symbolic", N_("Resume") },
  { "obj.unpause", "media-playback-start-symbolic", N_("Unpause") },
  { "obj.shutdown", "system-shutdown-symbolic", N_("Shut Down") },
  { "obj.reboot", "view-refresh-symbolic", N_("Reboot") },
  { "obj.suspend", "media-playback-pause-symbolic", N_("Suspend") },
  { "obj.snapshot", "camera-photo-symbolic", N_("Take Snapshot") },
  { NULL, NULL, NULL }
};
static const HeaderAction vm_menu[] = {
  { "obj.pause", NULL, N_("Pause") },
  { "obj.force-shutdown", NULL, N_("Force Shut Down") },
  { "obj.force-reboot", NULL, N_("Force Reboot") },
  { "obj.clone", NULL, N_("Clone") },
  { "obj.copy", NULL, N_("Copy") },
  { "obj.eject", NULL, N_("Eject ISO") },
  { "obj.convert-to-template", NULL, N_("Convert to Template") },
  { "obj.delete", NULL, N_("Delete…") },
  { NULL, NULL, NULL }
};
static const HeaderAction template_buttons[] = {
  { "obj.new-vm-from-template", "list-add-symbolic", N_("New VM from Template") },
  { NULL, NULL, NULL }
};
static const HeaderAction template_menu[] = {
  { "obj.clone", NULL, N_("Clone") },
  { "obj.copy", NULL, N_("Copy") },
  { "obj.delete", NULL, N_("Delete…") },
  { NULL, NULL, NULL }
};
static const HeaderAction snapshot_buttons[] = {
  { "obj.revert", "edit-undo-symbolic", N_("Revert to Snapshot") },
  { "obj.new-vm-from-snapshot", "list-add-symbolic", N_("New VM from Snapshot") },
  { "obj.delete", "user-trash-symbolic", N_("Delete Snapshot") },
  { NULL, NULL, NULL }
};
static const HeaderAction host_buttons[] = {
  { "obj.maintenance", "emblem-system-symbolic", N_("Enter Maintenance Mode") },
  { "obj.exit-maintenance", "emblem-ok-symbolic", N_("Exit Maintenance Mode") },
  { "obj.host-reboot", "view-refresh-symbolic", N_("Reboot Server") },
  { "obj.host-shutdown", "system-shutdown-symbolic", N_("Shut Down Server") },
  { NULL, NULL, NULL }
};
static const HeaderAction host_menu[] = {
  { "obj.host-enable", NULL, N_("Enable Server") },
  { "obj.host-disable", NULL, N_("Disable Server") },
  { NULL, NULL, NULL }
};
static const HeaderAction sr_buttons[] = {
  { "obj.sr-rescan", "view-refresh-symbolic", N_("Rescan") },
  { "obj.sr-repair", "emblem-important-symbolic", N_("Repair") },
  { NULL, NULL, NULL }
};
static const HeaderAction sr_menu[] = {
  { "obj.sr-set-default", NULL, N_("Set as Default") },
  { "obj.sr-detach", NULL, N_("Detach…") },
  { "obj.sr-forget", NULL, N_("Forget…") },
  { NULL, NULL, NULL }
};
static const HeaderAction pool_buttons[] = {
  { "obj.pool-rename", "document-edit-symbolic", N_("Rename Pool") },
  { NULL, NULL, NULL }
};
static const HeaderAction pool_menu[] = {
  { "obj.disable-ha", NULL, N_("Disable HA") },
  { NULL, NULL, NULL }
};

static void
set_header_actions (XpDetailsView      *self,
                    const HeaderAction *buttons,
                    const HeaderAction *menu_items)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->buttons)) != NULL)
    gtk_box_remove (GTK_BOX (self->buttons), child);
  for (guint i = 0; buttons != NULL && buttons[i].action != NULL; i++)
    gtk_box_append (GTK_BOX (self->buttons),
                    xp_action_button (buttons[i].icon, _(buttons[i].label), buttons[i].action, NULL));
  for (guint i = 0; menu_items != NULL && menu_items[i].action != NULL; i++)
    g_menu_append (menu, _(menu_items[i].label), menu_items[i].action);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->menu_button), G_MENU_MODEL (menu));
  gtk_widget_set_visible (self->menu_button, menu_items != NULL);
}

static void
update_header (XpDetailsView *self)
{
  if (self->selection->len == 1)
    {
      XapiObject *obj = g_ptr_array_index (self->selection, 0);

      gtk_label_set_text (GTK_LABEL (self->title), xp_object_name (obj));
      gtk_label_set_text (GTK_LABEL (self->subtitle), state_text (obj));
      gtk_image_set_from_icon_name (GTK_IMAGE (self->icon), kind_icon (obj));
    }
  else
    {
      g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u object selected",
                                                             "%u objects selected", self->selection->len),
                                                self->selection->len);
      gtk_label_set_text (GTK_LABEL (self->title), title);
      gtk_label_set_text (GTK_LABEL (self->subtitle), "");
      gtk_image_set_from_icon_name (GTK_IMAGE (self->icon), "edit-select-all-symbolic");
    }
}

static void
update_header_actions (XpDetailsView *self,
                       guint          kinds)
{
  switch (kinds)
    {
    case XP_KIND_VM: set_header_actions (self, vm_buttons, vm_menu); break;
    case XP_KIND_TEMPLATE: set_header_actions (self, template_buttons, template_menu); break;
    case XP_KIND_SNAPSHOT: set_header_actions (self, snapshot_buttons, NULL); break;
    case XP_KIND_HOST: set_header_actions (self, host_buttons, host_menu); break;
    case XP_KIND_SR: set_header_actions (self, sr_buttons, sr_menu); break;
    case XP_KIND_POOL: set_header_actions (self, pool_buttons, pool_menu); break;
    default: set_header_actions (self, NULL, NULL); break;
    }
}

/* ---- pages ---- */

static gboolean
focus_is_editing_in (XpDetailsView *self,
                     GtkWidget     *box)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  return focus != NULL && GTK_IS_TEXT (focus) && gtk_widget_is_ancestor (focus, box);
}

static gboolean
retry_cb (gpointer user_data)
{
  XpDetailsView *self = user_data;

  self->retry_id = 0;
  queue_rebuild (self);
  return G_SOURCE_REMOVE;
}

static void
build_page (XpDetailsView *self,
            guint          index)
{
  GtkWidget *box = self->page_boxes[index];

  if (page_infos[index].build == NULL || !(self->dirty & (1u << index)))
    return;
  if (focus_is_editing_in (self, box))
    {
      /* do not pull the entry away from under the user's fingers */
      if (self->retry_id == 0)
        self->retry_id = g_timeout_add (500, retry_cb, self);
      return;
    }
  self->dirty &= ~(1u << index);
  xp_box_clear (GTK_BOX (box));
  if (self->selection->len == 1)
    page_infos[index].build (&self->ctx, GTK_BOX (box), g_ptr_array_index (self->selection, 0));
}

static void
build_visible (XpDetailsView *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->stack);

  if (self->selection->len == 0)
    return;
  update_header (self);
  if (self->selection->len > 1)
    {
      if (self->dirty & SUMMARY_BIT)
        {
          self->dirty &= ~SUMMARY_BIT;
          xp_box_clear (GTK_BOX (self->summary_box));
          xp_page_summary_build (&self->ctx, GTK_BOX (self->summary_box), self->selection);
        }
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (page_infos); i++)
    if (g_strcmp0 (name, page_infos[i].name) == 0)
      build_page (self, i);
}

static gboolean
rebuild_cb (gpointer user_data)
{
  XpDetailsView *self = user_data;

  self->rebuild_id = 0;
  build_visible (self);
  return G_SOURCE_REMOVE;
}

static void
queue_rebuild (XpDetailsView *self)
{
  if (self->rebuild_id == 0)
    self->rebuild_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, rebuild_cb, self, NULL);
}

static void
visible_child_cb (AdwViewStack  *stack,
                  GParamSpec    *pspec,
                  XpDetailsView *self)
{
  build_visible (self);
}

static GtkWidget *
page_scroller (GtkWidget **box_out)
{
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);

  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 900);
  adw_clamp_set_child (ADW_CLAMP (clamp), box);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), clamp);
  gtk_widget_set_vexpand (scroller, TRUE);
  *box_out = box;
  return scroller;
}

void
xp_details_view_set_selection (XpDetailsView *self,
                               GPtrArray     *objects)
{
  guint kinds = 0;
  XapiObject *single = NULL;
  const char *visible;
  gboolean keep = FALSE;

  g_return_if_fail (XP_IS_DETAILS_VIEW (self));

  unwatch_all (self);
  g_ptr_array_set_size (self->selection, 0);
  for (guint i = 0; objects != NULL && i < objects->len; i++)
    {
      GObject *obj = g_ptr_array_index (objects, i);
      if (XAPI_IS_OBJECT (obj))
        {
          g_ptr_array_add (self->selection, g_object_ref (obj));
          kinds |= xp_object_kind (XAPI_OBJECT (obj));
        }
    }
  xp_page_ctx_watch_array (&self->ctx, self->selection);
  self->dirty = ~0u;
  visible = adw_view_stack_get_visible_child_name (self->stack);

  if (self->selection->len == 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (page_infos); i++)
        if (self->page_boxes[i] != NULL)
          xp_box_clear (GTK_BOX (self->page_boxes[i]));
      xp_box_clear (GTK_BOX (self->summary_box));
      xp_console_view_set_object (XP_CONSOLE_VIEW (self->console), NULL);
      gtk_label_set_text (GTK_LABEL (self->title), _("Nothing selected"));
      gtk_label_set_text (GTK_LABEL (self->subtitle), "");
      update_header_actions (self, 0);
      adw_view_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  if (self->selection->len == 1)
    single = g_ptr_array_index (self->selection, 0);
  self->kind = single != NULL ? xp_object_kind (single) : 0;

  for (guint i = 0; i < G_N_ELEMENTS (page_infos); i++)
    {
      AdwViewStackPage *page = adw_view_stack_get_page (self->stack, self->page_children[i]);
      gboolean show = single != NULL && (page_infos[i].kinds & (self->kind == 0 ? 0x10000 : self->kind)) != 0;
      if (page_infos[i].build == NULL && single != NULL && self->kind == XP_KIND_VM
          && g_str_equal (xp_field_enum (single, "power_state"), "Halted"))
        show = TRUE;   /* the console page explains that the VM is off */
      adw_view_stack_page_set_visible (page, show);
      if (show && g_strcmp0 (visible, page_infos[i].name) == 0)
        keep = TRUE;
    }
  adw_view_stack_page_set_visible (adw_view_stack_get_page (self->stack, self->summary_child),
                                   single == NULL);

  xp_console_view_set_object (XP_CONSOLE_VIEW (self->console),
                              single != NULL && (self->kind == XP_KIND_VM || self->kind == XP_KIND_HOST)
                              ? single : NULL);
  update_header_actions (self, single != NULL ? self->kind : (kinds & (kinds - 1)) == 0 ? kinds : 0);

  if (single == NULL)
    adw_view_stack_set_visible_child_name (self->stack, "summary");
  else if (!keep)
    adw_view_stack_set_visible_child_name (self->stack, "general");
  build_visible (self);
}

GtkWidget *
xp_details_view_new (void)
{
  return g_object_new (XP_TYPE_DETAILS_VIEW, NULL);
}

const char *
xp_details_view_get_page (XpDetailsView *self)
{
  return adw_view_stack_get_visible_child_name (self->stack);
}

void
xp_details_view_set_page (XpDetailsView *self,
                          const char    *name)
{
  adw_view_stack_set_visible_child_name (self->stack, name);
}

GtkWidget *
xp_details_view_get_page_box (XpDetailsView *self,
                              const char    *name)
{
  if (g_strcmp0 (name, "summary") == 0)
    return self->summary_box;
  for (guint i = 0; i < G_N_ELEMENTS (page_infos); i++)
    if (g_str_equal (page_infos[i].name, name))
      return page_infos[i].build != NULL ? self->page_boxes[i] : self->console;
  return NULL;
}

guint
xp_details_view_get_n_watches (XpDetailsView *self)
{
  return g_hash_table_size (self->watches);
}

static void
xp_details_view_dispose (GObject *object)
{
  XpDetailsView *self = XP_DETAILS_VIEW (object);

  if (self->watches != NULL)
    unwatch_all (self);
  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->selection != NULL)
    g_ptr_array_set_size (self->selection, 0);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  G_OBJECT_CLASS (xp_details_view_parent_class)->dispose (object);
}

static void
xp_details_view_finalize (GObject *object)
{
  XpDetailsView *self = XP_DETAILS_VIEW (object);

  g_clear_pointer (&self->selection, g_ptr_array_unref);
  g_clear_pointer (&self->watches, g_hash_table_unref);
  G_OBJECT_CLASS (xp_details_view_parent_class)->finalize (object);
}

static void
xp_details_view_class_init (XpDetailsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = xp_details_view_dispose;
  object_class->finalize = xp_details_view_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "xp-details-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
xp_details_view_init (XpDetailsView *self)
{
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *titles = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *scroller, *status;

  self->ctx.view = self;
  self->selection = g_ptr_array_new_with_free_func (g_object_unref);
  self->watches = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  gtk_widget_set_margin_top (header, 12);
  gtk_widget_set_margin_bottom (header, 6);
  gtk_widget_set_margin_start (header, 18);
  gtk_widget_set_margin_end (header, 18);
  self->icon = gtk_image_new_from_icon_name ("computer-symbolic");
  gtk_image_set_icon_size (GTK_IMAGE (self->icon), GTK_ICON_SIZE_LARGE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Object type"), -1);
  gtk_box_append (GTK_BOX (header), self->icon);
  self->title = gtk_label_new (_("Nothing selected"));
  gtk_widget_add_css_class (self->title, "title-2");
  gtk_label_set_xalign (GTK_LABEL (self->title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->title), PANGO_ELLIPSIZE_END);
  self->subtitle = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->subtitle, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (self->subtitle), 0);
  gtk_box_append (GTK_BOX (titles), self->title);
  gtk_box_append (GTK_BOX (titles), self->subtitle);
  gtk_widget_set_hexpand (titles, TRUE);
  gtk_widget_set_valign (titles, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (header), titles);
  self->buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_add_css_class (self->buttons, "linked");
  gtk_widget_set_valign (self->buttons, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (header), self->buttons);
  self->menu_button = gtk_menu_button_new ();
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (self->menu_button), "view-more-symbolic");
  gtk_widget_set_tooltip_text (self->menu_button, _("More Actions"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->menu_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("More Actions"), -1);
  gtk_widget_set_valign (self->menu_button, GTK_ALIGN_CENTER);
  gtk_widget_set_visible (self->menu_button, FALSE);
  gtk_box_append (GTK_BOX (header), self->menu_button);
  gtk_box_append (GTK_BOX (self->box), header);

  self->stack = ADW_VIEW_STACK (adw_view_stack_new ());
  self->switcher = adw_view_switcher_new ();
  adw_view_switcher_set_stack (ADW_VIEW_SWITCHER (self->switcher), self->stack);
  adw_view_switcher_set_policy (ADW_VIEW_SWITCHER (self->switcher), ADW_VIEW_SWITCHER_POLICY_WIDE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->switcher),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Pages"), -1);
  gtk_widget_set_margin_start (self->switcher, 12);
  gtk_widget_set_margin_end (self->switcher, 12);
  gtk_box_append (GTK_BOX (self->box), self->switcher);
  gtk_box_append (GTK_BOX (self->box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));

  status = adw_status_page_new ();
  adw_status_page_set_title (ADW_STATUS_PAGE (status), _("Nothing selected"));
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (status), "edit-select-all-symbolic");
  self->empty = status;
  adw_view_stack_add_named (self->stack, status, "empty");

  for (guint i = 0; i < G_N_ELEMENTS (page_infos); i++)
    {
      AdwViewStackPage *page;
      if (page_infos[i].build == NULL)
        {
          self->console = xp_console_view_new ();
          self->page_children[i] = self->console;
          page = adw_view_stack_add_titled (self->stack, self->console, page_infos[i].name, _(page_infos[i].title));
        }
      else
        {
          scroller = page_scroller (&self->page_boxes[i]);
          self->page_children[i] = scroller;
          page = adw_view_stack_add_titled (self->stack, scroller, page_infos[i].name, _(page_infos[i].title));
        }
      adw_view_stack_page_set_icon_name (page, page_infos[i].icon);
      adw_view_stack_page_set_visible (page, FALSE);
    }
  scroller = page_scroller (&self->summary_box);
  self->summary_child = scroller;
  adw_view_stack_page_set_icon_name (adw_view_stack_add_titled (self->stack, scroller, "summary", _("Summary")),
                                     "view-list-symbolic");
  adw_view_stack_page_set_visible (adw_view_stack_get_page (self->stack, scroller), FALSE);
  adw_view_stack_set_visible_child_name (self->stack, "empty");

  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->stack));
  g_signal_connect (self->stack, "notify::visible-child-name", G_CALLBACK (visible_child_cb), self);
}

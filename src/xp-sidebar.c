/* xp-sidebar.c: search, view switcher and the live object tree
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "xp-sidebar.h"

struct _XpSidebar
{
  GtkWidget           parent_instance;

  XpTreeModel        *tree;

  GtkWidget          *box;
  GtkWidget          *search_entry;
  GtkWidget          *view_dropdown;

  /* Two list views, the tree's and the search's, one shown at a time: a
   * list view keeps some 200 rows alive, and giving it another model
   * destroys them all and makes 200 new ones (tens of ms with 10,000
   * VMs) at each search started or ended. */
  GtkWidget          *scrollers[2];
  GtkWidget          *list_views[2];
  GtkMultiSelection  *selections[2];
  GListModel         *models[2];      /* what each shows: the tree, the search's rows */

  /* the one shown */
  GtkWidget          *list_view;
  GtkMultiSelection  *selection;

  GPtrArray          *icons;          /* GtkIconPaintable, see preload_icons */
};

G_DEFINE_FINAL_TYPE (XpSidebar, xp_sidebar, GTK_TYPE_WIDGET)

enum { SELECTION_CHANGED, CONTEXT_MENU, ACTIVATE_ITEM, VM_DROPPED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- the search's rows ----
 *
 * GTK 4.8's list view destroys the row widgets of the items a model
 * removes and makes new ones for the items it adds, 200 rows at most but
 * 0.2 ms each: typing that changes the rows on screen cost 40 ms and more.
 * So the search's list view shows slots: slot i stands for whatever object
 * is i-th in the search's rows, a slot says "changed" when that object
 * does, and the list view only ever sees slots added or removed at the end.
 * Its rows are updated in place, never made anew. */

#define XP_TYPE_SLOT (xp_slot_get_type ())
G_DECLARE_FINAL_TYPE (XpSlot, xp_slot, XP, SLOT, GObject)

struct _XpSlot
{
  GObject     parent_instance;
  GListModel *source;    /* strong; NULL once the slot list is gone */
  guint       position;
};

G_DEFINE_FINAL_TYPE (XpSlot, xp_slot, G_TYPE_OBJECT)

enum { SLOT_CHANGED, N_SLOT_SIGNALS };
static guint slot_signals[N_SLOT_SIGNALS];

static void
xp_slot_finalize (GObject *object)
{
  g_clear_object (&XP_SLOT (object)->source);
  G_OBJECT_CLASS (xp_slot_parent_class)->finalize (object);
}

static void
xp_slot_class_init (XpSlotClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = xp_slot_finalize;
  slot_signals[SLOT_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
xp_slot_init (XpSlot *self)
{
}

/* The object in the slot now, or NULL. */
static GObject *
xp_slot_dup_item (XpSlot *self)
{
  return self->source != NULL ? g_list_model_get_item (self->source, self->position) : NULL;
}

#define XP_TYPE_SLOT_LIST (xp_slot_list_get_type ())
G_DECLARE_FINAL_TYPE (XpSlotList, xp_slot_list, XP, SLOT_LIST, GObject)

struct _XpSlotList
{
  GObject     parent_instance;
  GListModel *source;    /* strong */
  GPtrArray  *slots;     /* XpSlot*, made when first asked for */
  guint       n_items;
};

static GType
xp_slot_list_get_item_type (GListModel *model)
{
  return XP_TYPE_SLOT;
}

static guint
xp_slot_list_get_n_items (GListModel *model)
{
  return XP_SLOT_LIST (model)->n_items;
}

static gpointer
xp_slot_list_get_item (GListModel *model,
                       guint       position)
{
  XpSlotList *self = XP_SLOT_LIST (model);

  if (position >= self->n_items)
    return NULL;
  while (self->slots->len <= position)
    {
      XpSlot *slot = g_object_new (XP_TYPE_SLOT, NULL);

      slot->source = g_object_ref (self->source);
      slot->position = self->slots->len;
      g_ptr_array_add (self->slots, slot);
    }
  return g_object_ref (g_ptr_array_index (self->slots, position));
}

static void
xp_slot_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = xp_slot_list_get_item_type;
  iface->get_n_items = xp_slot_list_get_n_items;
  iface->get_item = xp_slot_list_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (XpSlotList, xp_slot_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, xp_slot_list_model_init))

static void
xp_slot_list_dispose (GObject *object)
{
  XpSlotList *self = XP_SLOT_LIST (object);

  if (self->source != NULL)
    g_signal_handlers_disconnect_by_data (self->source, self);
  for (guint i = 0; self->slots != NULL && i < self->slots->len; i++)
    g_clear_object (&XP_SLOT (g_ptr_array_index (self->slots, i))->source);
  g_clear_pointer (&self->slots, g_ptr_array_unref);
  g_clear_object (&self->source);
  G_OBJECT_CLASS (xp_slot_list_parent_class)->dispose (object);
}

static void
xp_slot_list_class_init (XpSlotListClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = xp_slot_list_dispose;
}

static void
xp_slot_list_init (XpSlotList *self)
{
  self->slots = g_ptr_array_new_with_free_func (g_object_unref);
}

static void
slot_list_source_changed_cb (GListModel *source,
                             guint       position,
                             guint       removed,
                             guint       added,
                             XpSlotList *self)
{
  guint old_n = self->n_items;
  guint new_n = g_list_model_get_n_items (source);
  /* past position, every slot holds another object when the count moved */
  guint end = MIN (removed == added ? position + added : MIN (old_n, new_n), self->slots->len);

  self->n_items = new_n;
  for (guint i = position; i < end && i < new_n; i++)
    g_signal_emit (g_ptr_array_index (self->slots, i), slot_signals[SLOT_CHANGED], 0);
  if (new_n > old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), old_n, 0, new_n - old_n);
  else if (new_n < old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), new_n, old_n - new_n, 0);
}

static XpSlotList *
xp_slot_list_new (GListModel *source)
{
  XpSlotList *self = g_object_new (XP_TYPE_SLOT_LIST, NULL);

  self->source = g_object_ref (source);
  self->n_items = g_list_model_get_n_items (source);
  g_signal_connect (source, "items-changed", G_CALLBACK (slot_list_source_changed_cb), self);
  return self;
}

/* ---- a list that grows a screenful at a time ----
 *
 * GTK 4.8's list view keeps ~200 rows alive and makes them all at once when
 * a short list gets long: the tree of a pool when its sync ends, a search
 * widening from one row to 10,000; 200 rows at 0.2 ms each (more while a
 * sync keeps the other core busy), in one frame.  So between a model and
 * its list view sits an XpGrowList: when a list of less than a screenful
 * gets long, it shows the first screenful, then GROW_STEP_ROWS more after
 * each frame is painted until the list view has all the rows it keeps, then
 * the rest.  The rows in view come in the first frame, the rows below them
 * (and the scroll bar's length) over the next frames: a new row costs ~0.25
 * ms to make, bind and measure.  A hidden list view (the tree while a
 * search is shown) does not grow until it is shown again. */

#define GROW_STEP_ROWS 32
#define GROW_VIEW_ROWS 200    /* what a GTK 4.8 list view keeps */
#define GROW_MIN_ROW   24     /* px: no row is lower */

#define XP_TYPE_GROW_LIST (xp_grow_list_get_type ())
G_DECLARE_FINAL_TYPE (XpGrowList, xp_grow_list, XP, GROW_LIST, GObject)

struct _XpGrowList
{
  GObject        parent_instance;
  GListModel    *source;          /* strong */
  guint          n_items;         /* the source's first n_items are shown */
  gboolean       holding;         /* at most cap shown, until the next frame */
  guint          cap;
  GtkWidget     *view;            /* weak: the list view that shows it */
  GdkFrameClock *clock;           /* strong while holding */
  gulong         after_paint_id;
  guint          step_id;         /* after the frame */
  guint          timeout_id;      /* everything, if no frame comes */
  gulong         map_id;          /* paused until the view is shown */
};

static GType
xp_grow_list_get_item_type (GListModel *model)
{
  return g_list_model_get_item_type (XP_GROW_LIST (model)->source);
}

static guint
xp_grow_list_get_n_items (GListModel *model)
{
  return XP_GROW_LIST (model)->n_items;
}

static gpointer
xp_grow_list_get_item (GListModel *model,
                       guint       position)
{
  XpGrowList *self = XP_GROW_LIST (model);

  return position < self->n_items ? g_list_model_get_item (self->source, position) : NULL;
}

static void
xp_grow_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = xp_grow_list_get_item_type;
  iface->get_n_items = xp_grow_list_get_n_items;
  iface->get_item = xp_grow_list_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (XpGrowList, xp_grow_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, xp_grow_list_model_init))

static void
grow_list_stop_holding (XpGrowList *self)
{
  if (self->clock != NULL)
    g_clear_signal_handler (&self->after_paint_id, self->clock);
  g_clear_object (&self->clock);
  g_clear_handle_id (&self->step_id, g_source_remove);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->view != NULL)
    g_clear_signal_handler (&self->map_id, self->view);
  self->map_id = 0;
  self->holding = FALSE;
}

static void
xp_grow_list_dispose (GObject *object)
{
  XpGrowList *self = XP_GROW_LIST (object);

  grow_list_stop_holding (self);
  if (self->source != NULL)
    g_signal_handlers_disconnect_by_data (self->source, self);
  g_clear_object (&self->source);
  g_clear_weak_pointer (&self->view);
  G_OBJECT_CLASS (xp_grow_list_parent_class)->dispose (object);
}

static void
xp_grow_list_class_init (XpGrowListClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = xp_grow_list_dispose;
}

static void
xp_grow_list_init (XpGrowList *self)
{
}

/* A screenful of rows: what the list view's height holds, of rows as high
 * as its first one (or as low as a row can be), and two more. */
static guint
grow_list_screenful (XpGrowList *self)
{
  GtkWidget *row = self->view != NULL ? gtk_widget_get_first_child (self->view) : NULL;
  int height = self->view != NULL ? gtk_widget_get_height (self->view) : 0;
  int row_height = row != NULL ? gtk_widget_get_height (row) : 0;

  if (height <= 0)
    return 2 * GROW_STEP_ROWS;
  return MIN (height / MAX (row_height, GROW_MIN_ROW) + 2, GROW_VIEW_ROWS);
}

/* Up to @cap rows shown (G_MAXUINT: all, and no more holding back). */
static void
grow_list_show (XpGrowList *self,
                guint       cap)
{
  guint old_n = self->n_items;

  if (cap == G_MAXUINT)
    grow_list_stop_holding (self);
  self->cap = cap;
  self->n_items = MIN (g_list_model_get_n_items (self->source), cap);
  if (self->n_items > old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), old_n, 0, self->n_items - old_n);
}

/* Everything shown, at once. */
static void
grow_list_catch_up (XpGrowList *self)
{
  if (self->holding)
    grow_list_show (self, G_MAXUINT);
}

static void grow_list_wait_frame (XpGrowList *self);

static void
grow_list_view_mapped_cb (GtkWidget  *view,
                          XpGrowList *self)
{
  g_clear_signal_handler (&self->map_id, view);
  grow_list_wait_frame (self);
}

/* Whether the list view is hidden (the tree while a search is shown, say),
 * and growing paused until it is shown: rows made now would be measured
 * all at once in the frame that shows it again (~200 of them, 30 ms). */
static gboolean
grow_list_paused (XpGrowList *self)
{
  if (self->view == NULL || gtk_widget_get_mapped (self->view))
    return FALSE;
  g_clear_signal_handler (&self->after_paint_id, self->clock);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->map_id == 0)
    self->map_id = g_signal_connect (self->view, "map", G_CALLBACK (grow_list_view_mapped_cb), self);
  return TRUE;
}

static gboolean
grow_list_catch_up_cb (gpointer data)
{
  XpGrowList *self = data;

  self->timeout_id = 0;
  if (!grow_list_paused (self))
    grow_list_catch_up (self);
  return G_SOURCE_REMOVE;
}

static gboolean
grow_list_step_cb (gpointer data)
{
  XpGrowList *self = data;

  self->step_id = 0;
  if (grow_list_paused (self))
    return G_SOURCE_REMOVE;
  if (self->cap + GROW_STEP_ROWS >= GROW_VIEW_ROWS)
    {
      grow_list_show (self, G_MAXUINT);
      return G_SOURCE_REMOVE;
    }
  grow_list_show (self, self->cap + GROW_STEP_ROWS);
  /* (a handler of the rows added may have shown them all) */
  if (self->holding)
    grow_list_wait_frame (self);
  return G_SOURCE_REMOVE;
}

/* Not in the frame's own main-loop iteration (that would make it as long
 * as before), nor in one with other idle work (the placing of a sync's
 * objects, say): after them. */
static void
grow_list_after_paint_cb (GdkFrameClock *clock,
                          XpGrowList    *self)
{
  g_clear_signal_handler (&self->after_paint_id, self->clock);
  if (self->step_id == 0)
    self->step_id = g_idle_add_full (G_PRIORITY_LOW, grow_list_step_cb, self, NULL);
}

/* The next step after the next frame, or everything if no frame comes
 * while the view is shown. */
static void
grow_list_wait_frame (XpGrowList *self)
{
  self->after_paint_id = g_signal_connect (self->clock, "after-paint", G_CALLBACK (grow_list_after_paint_cb), self);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  self->timeout_id = g_timeout_add (250, grow_list_catch_up_cb, self);
}

/* Hold all but a screenful back until the frame being made is painted:
 * only in a window on screen (the list view itself may be shown in that
 * very frame, as when a search starts). */
static gboolean
grow_list_hold (XpGrowList *self)
{
  GdkFrameClock *clock;
  GtkRoot *root;

  if (self->view == NULL || (root = gtk_widget_get_root (self->view)) == NULL ||
      !gtk_widget_get_mapped (GTK_WIDGET (root)) ||
      (clock = gtk_widget_get_frame_clock (self->view)) == NULL)
    return FALSE;
  self->holding = TRUE;
  self->cap = grow_list_screenful (self);
  self->clock = g_object_ref (clock);
  grow_list_wait_frame (self);
  return TRUE;
}

static void
grow_list_source_changed_cb (GListModel *source,
                             guint       position,
                             guint       removed,
                             guint       added,
                             XpGrowList *self)
{
  guint old_n = self->n_items;
  guint n = g_list_model_get_n_items (source);
  guint new_n, from;

  if (!self->holding)
    {
      guint screenful = grow_list_screenful (self);

      if (old_n < screenful && n > screenful)
        grow_list_hold (self);
    }
  new_n = self->holding ? MIN (n, self->cap) : n;
  self->n_items = new_n;

  /* The same change when it is all within what is shown (always so when
   * not holding), else one from where the shown rows start to differ. */
  if (position + removed <= old_n && position + added <= new_n &&
      old_n - position - removed == new_n - position - added)
    {
      if (removed > 0 || added > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
      return;
    }
  from = MIN (position, MIN (old_n, new_n));
  if (from < old_n || from < new_n)
    g_list_model_items_changed (G_LIST_MODEL (self), from, old_n - from, new_n - from);
}

/* @source: transfer full */
static XpGrowList *
xp_grow_list_new (GListModel *source,
                  GtkWidget  *view)
{
  XpGrowList *self = g_object_new (XP_TYPE_GROW_LIST, NULL);

  self->source = source;
  self->n_items = g_list_model_get_n_items (source);
  g_signal_connect (source, "items-changed", G_CALLBACK (grow_list_source_changed_cb), self);
  g_set_weak_pointer (&self->view, view);
  /* a new model for the list view (another view of the tree): likewise */
  if (self->n_items > grow_list_screenful (self) && grow_list_hold (self))
    self->n_items = self->cap;
  return self;
}

/* ---- rows ---- */

typedef struct {
  GtkWidget *expander;
  GtkWidget *icon;
  GtkWidget *name;
  GtkWidget *state;
  GObject   *item;        /* bound object (strong) */
  gulong     notify_id;
  gulong     cache_id;
  XpSlot    *slot;        /* in the search's list: the slot bound */
  gulong     slot_id;
  const char *box_class;  /* the state class on the box, NULL: none */
} RowWidgets;

static void
row_widgets_free (RowWidgets *rw)
{
  g_free (rw);
}

static void
row_update (RowWidgets *rw)
{
  GObject *item = rw->item;
  g_autofree char *name = NULL;
  g_autofree char *state = NULL;
  gboolean is_error = FALSE;
  const char *box_class = NULL;
  GtkWidget *box;

  if (item == NULL)
    return;

  name = xp_object_dup_display_name (item);
  state = xp_object_dup_state_text (item, &is_error);
  gtk_inscription_set_text (GTK_INSCRIPTION (rw->name), name);
  /* Setting an icon looks it up in the theme again even when unchanged. */
  if (g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (rw->icon)), xp_object_get_icon_name (item)) != 0)
    gtk_image_set_from_icon_name (GTK_IMAGE (rw->icon), xp_object_get_icon_name (item));
  gtk_inscription_set_text (GTK_INSCRIPTION (rw->state), state);
  /* Hidden without text, or AT-SPI would read out its type name.  (Showing
   * or hiding it queues a resize; a VM always has a state, so the rows of
   * VMs never do.) */
  gtk_widget_set_visible (rw->state, state != NULL);
  if (is_error)
    gtk_widget_add_css_class (rw->state, "error");
  else
    gtk_widget_remove_css_class (rw->state, "error");

  if (XAPI_IS_VM (item) && !xapi_vm_get_is_a_template (XAPI_VM (item)))
    {
      switch (xapi_vm_get_power_state (XAPI_VM (item)))
        {
        case XAPI_VM_POWER_STATE_RUNNING:
          box_class = "xp-vm-running";
          break;
        case XAPI_VM_POWER_STATE_PAUSED:
          box_class = "xp-vm-paused";
          break;
        case XAPI_VM_POWER_STATE_SUSPENDED:
          box_class = "xp-vm-suspended";
          break;
        default:
          break;
        }
    }
  else if (XAPI_IS_HOST (item) && !xapi_host_get_enabled (XAPI_HOST (item)))
    box_class = "xp-host-disabled";

  /* A class taken off and put back restyles the row all the same: only
   * when it changes (rows are rebound by the hundred). */
  if (g_strcmp0 (box_class, rw->box_class) != 0)
    {
      box = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (rw->expander));
      if (rw->box_class != NULL)
        gtk_widget_remove_css_class (box, rw->box_class);
      if (box_class != NULL)
        gtk_widget_add_css_class (box, box_class);
      rw->box_class = box_class;
    }
}

static void
item_notify_cb (GObject    *item,
                GParamSpec *pspec,
                RowWidgets *rw)
{
  const char *n = pspec->name;

  /* Only what the row shows. */
  if (XAPI_IS_CONNECTION (item) || g_str_equal (n, "name-label") ||
      g_str_equal (n, "power-state") || g_str_equal (n, "enabled") ||
      g_str_equal (n, "is-a-template"))
    row_update (rw);
}

static void
cache_batch_cb (XapiCache  *cache,
                guint       n_events,
                RowWidgets *rw)
{
  /* A connection row names its pool, which may have been renamed. */
  row_update (rw);
}

static void
row_context_menu (XpSidebar   *self,
                  GtkListItem *list_item,
                  GtkWidget   *widget,
                  double       x,
                  double       y)
{
  RowWidgets *rw = g_object_get_data (G_OBJECT (list_item), "xp-row");
  guint pos = gtk_list_item_get_position (list_item);

  if (rw == NULL || rw->item == NULL || pos == GTK_INVALID_LIST_POSITION)
    return;
  if (!gtk_widget_translate_coordinates (widget, GTK_WIDGET (self), x, y, &x, &y))
    return;
  if (!gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), pos))
    gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), pos, TRUE);
  /* The menu hangs off the sidebar, not the row: keys pressed in a popover
   * inside a row would reach the list's own key handling first. */
  g_signal_emit (self, signals[CONTEXT_MENU], 0, rw->item, GTK_WIDGET (self), x, y);
}

/* The state text as its tooltip (it may be ellipsized).  Asked for when
 * shown: gtk_widget_set_tooltip_text() at each bind costs an X round trip
 * (it looks where the pointer is), and rows are rebound by the hundred. */
static gboolean
state_query_tooltip_cb (GtkWidget  *label,
                        int         x,
                        int         y,
                        gboolean    keyboard,
                        GtkTooltip *tooltip,
                        gpointer    user_data)
{
  const char *text = gtk_inscription_get_text (GTK_INSCRIPTION (label));

  if (text == NULL || *text == '\0')
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
row_right_click_cb (GtkGestureClick *gesture,
                    int              n_press,
                    double           x,
                    double           y,
                    gpointer         user_data)
{
  GtkWidget *widget = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  XpSidebar *self = XP_SIDEBAR (gtk_widget_get_ancestor (widget, XP_TYPE_SIDEBAR));

  if (self == NULL)
    return;
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  row_context_menu (self, user_data, widget, x, y);
}

/* The row that has the focus, or is inside it: its list item and the child
 * widget of the row, or NULL. */
static GtkListItem *
focused_list_item (XpSidebar  *self,
                   GtkWidget **out_child)
{
  GtkRoot *root = gtk_widget_get_root (self->list_view);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  for (; focus != NULL && focus != self->list_view; focus = gtk_widget_get_parent (focus))
    {
      if (gtk_widget_get_parent (focus) == self->list_view)
        {
          GtkWidget *child = gtk_widget_get_first_child (focus);

          if (child == NULL)
            return NULL;
          *out_child = child;
          return g_object_get_data (G_OBJECT (child), "xp-list-item");
        }
    }
  return NULL;
}

/* Menu or Shift+F10: the context menu of the focused row, as a right click. */
static gboolean
context_menu_key_cb (GtkWidget *list_view,
                     GVariant  *args,
                     gpointer   user_data)
{
  XpSidebar *self = user_data;
  GtkWidget *child = NULL;
  GtkListItem *list_item = focused_list_item (self, &child);

  if (list_item == NULL)
    return FALSE;
  row_context_menu (self, list_item, child,
                    gtk_widget_get_width (child) / 2.0, gtk_widget_get_height (child) / 2.0);
  return TRUE;
}

/* Drag a VM row onto a host row: "vm-dropped" (vm, host). */
static GdkContentProvider *
row_drag_prepare_cb (GtkDragSource *source,
                     double         x,
                     double         y,
                     GtkListItem   *list_item)
{
  RowWidgets *rw = g_object_get_data (G_OBJECT (list_item), "xp-row");

  if (rw == NULL || !XAPI_IS_VM (rw->item) || xapi_vm_get_is_a_template (XAPI_VM (rw->item))
      || xapi_vm_get_is_control_domain (XAPI_VM (rw->item)) || xapi_vm_get_is_a_snapshot (XAPI_VM (rw->item)))
    return NULL;
  return gdk_content_provider_new_typed (XAPI_TYPE_VM, rw->item);
}

static gboolean
row_drop_accept_cb (GtkDropTarget *target,
                    GdkDrop       *drop,
                    GtkListItem   *list_item)
{
  RowWidgets *rw = g_object_get_data (G_OBJECT (list_item), "xp-row");

  return rw != NULL && XAPI_IS_HOST (rw->item)
         && gdk_content_formats_contain_gtype (gdk_drop_get_formats (drop), XAPI_TYPE_VM);
}

static gboolean
row_drop_cb (GtkDropTarget *target,
             const GValue  *value,
             double         x,
             double         y,
             GtkListItem   *list_item)
{
  RowWidgets *rw = g_object_get_data (G_OBJECT (list_item), "xp-row");
  GtkWidget *widget = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  XpSidebar *self = XP_SIDEBAR (gtk_widget_get_ancestor (widget, XP_TYPE_SIDEBAR));
  XapiVm *vm = G_VALUE_HOLDS (value, XAPI_TYPE_VM) ? g_value_get_object (value) : NULL;

  if (self == NULL || vm == NULL || rw == NULL || !XAPI_IS_HOST (rw->item)
      || g_strcmp0 (xapi_vm_get_resident_on (vm), xapi_object_get_ref (XAPI_OBJECT (rw->item))) == 0)
    return FALSE;
  g_signal_emit (self, signals[VM_DROPPED], 0, vm, rw->item);
  return TRUE;
}

/* ---- rows let go of ----
 *
 * When a list view's model loses rows (a search narrowing from 10,000 rows
 * to one), GTK 4.8 unparents the ~200 row widgets it no longer needs and
 * they are finalized there and then, with everything in them: ~10 ms before
 * the frame.  Each row's child (its expander) holds a reference of ours,
 * given back over later idles once GTK has unparented it (GTK never takes
 * a row back once let go of). */

#define REAP_BUDGET_US 2000

static GPtrArray *dead_rows;   /* row widgets GTK let go of, still ours */
static guint      reap_id;

static gboolean
reap_rows_cb (gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + REAP_BUDGET_US;

  while (dead_rows->len > 0 && g_get_monotonic_time () < deadline)
    g_ptr_array_remove_index (dead_rows, dead_rows->len - 1);
  if (dead_rows->len > 0)
    return G_SOURCE_CONTINUE;
  reap_id = 0;
  return G_SOURCE_REMOVE;
}

/* Every row let go of, now (a sidebar going away). */
static void
reap_all_rows (void)
{
  g_clear_handle_id (&reap_id, g_source_remove);
  if (dead_rows != NULL)
    g_ptr_array_set_size (dead_rows, 0);
}

static void
row_parent_cb (GtkWidget  *row,
               GParamSpec *pspec,
               gpointer    user_data)
{
  if (gtk_widget_get_parent (row) != NULL)
    return;
  g_signal_handlers_disconnect_by_func (row, row_parent_cb, user_data);
  if (dead_rows == NULL)
    dead_rows = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (dead_rows, row);
  if (reap_id == 0)
    reap_id = g_idle_add_full (G_PRIORITY_LOW, reap_rows_cb, NULL, NULL);
}

/* @row: the list item's child, held until GTK lets go of it */
static void
row_hold (GtkWidget *row)
{
  g_signal_connect (g_object_ref (row), "notify::parent", G_CALLBACK (row_parent_cb), NULL);
}

#define NAME_CHARS  24  /* a row's natural width: its name's */
#define STATE_CHARS 16  /* and its state's (longer is ellipsized, whole in the tooltip) */

static void
factory_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  gpointer                  user_data)
{
  RowWidgets *rw = g_new0 (RowWidgets, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkGesture *click;

  rw->expander = gtk_tree_expander_new ();
  rw->icon = gtk_image_new ();
  gtk_widget_add_css_class (rw->icon, "xp-icon");
  /* Inscriptions, not labels: their size comes from the font, not from
   * their text, so a row given another object or name is only redrawn.  A
   * label's new text made GTK measure the whole window again, each of the
   * ~200 rows a list view keeps: most of the time of a key typed in the
   * search, whose rows are all rebound. */
  rw->name = gtk_inscription_new (NULL);
  gtk_inscription_set_xalign (GTK_INSCRIPTION (rw->name), 0.0);
  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (rw->name), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_inscription_set_nat_chars (GTK_INSCRIPTION (rw->name), NAME_CHARS);
  gtk_widget_set_hexpand (rw->name, TRUE);
  rw->state = gtk_inscription_new (NULL);
  gtk_inscription_set_xalign (GTK_INSCRIPTION (rw->state), 1.0);
  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (rw->state), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_inscription_set_nat_chars (GTK_INSCRIPTION (rw->state), STATE_CHARS);
  gtk_widget_add_css_class (rw->state, "xp-state");
  gtk_widget_set_has_tooltip (rw->state, TRUE);
  g_signal_connect (rw->state, "query-tooltip", G_CALLBACK (state_query_tooltip_cb), NULL);
  gtk_widget_add_css_class (box, "xp-sidebar-row");
  gtk_box_append (GTK_BOX (box), rw->icon);
  gtk_box_append (GTK_BOX (box), rw->name);
  gtk_box_append (GTK_BOX (box), rw->state);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (rw->expander), box);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (row_right_click_cb), list_item);
  gtk_widget_add_controller (rw->expander, GTK_EVENT_CONTROLLER (click));
  {
    GtkDragSource *drag = gtk_drag_source_new ();
    GtkDropTarget *drop = gtk_drop_target_new (XAPI_TYPE_VM, GDK_ACTION_MOVE | GDK_ACTION_COPY);

    gtk_drag_source_set_actions (drag, GDK_ACTION_MOVE);
    g_signal_connect (drag, "prepare", G_CALLBACK (row_drag_prepare_cb), list_item);
    gtk_widget_add_controller (rw->expander, GTK_EVENT_CONTROLLER (drag));
    g_signal_connect (drop, "accept", G_CALLBACK (row_drop_accept_cb), list_item);
    g_signal_connect (drop, "drop", G_CALLBACK (row_drop_cb), list_item);
    gtk_widget_add_controller (rw->expander, GTK_EVENT_CONTROLLER (drop));
  }

  /* for the context menu key; the list item owns the expander */
  g_object_set_data (G_OBJECT (rw->expander), "xp-list-item", list_item);

  gtk_list_item_set_child (list_item, rw->expander);
  g_object_set_data_full (G_OBJECT (list_item), "xp-row", rw, (GDestroyNotify) row_widgets_free);
  row_hold (rw->expander);
}

/* @item: transfer full, may be NULL */
static void
row_bind_item (RowWidgets *rw,
               GObject    *item)
{
  rw->item = item;
  if (item == NULL)
    return;
  rw->notify_id = g_signal_connect (item, "notify", G_CALLBACK (item_notify_cb), rw);
  if (XAPI_IS_CONNECTION (item))
    rw->cache_id = g_signal_connect (xapi_connection_get_cache (XAPI_CONNECTION (item)),
                                     "batch-applied", G_CALLBACK (cache_batch_cb), rw);
  row_update (rw);
}

static void
row_unbind_item (RowWidgets *rw)
{
  if (rw->item != NULL)
    {
      g_clear_signal_handler (&rw->notify_id, rw->item);
      if (rw->cache_id != 0)
        g_clear_signal_handler (&rw->cache_id,
                                xapi_connection_get_cache (XAPI_CONNECTION (rw->item)));
    }
  g_clear_object (&rw->item);
}

static void
slot_changed_cb (XpSlot     *slot,
                 RowWidgets *rw)
{
  row_unbind_item (rw);
  row_bind_item (rw, xp_slot_dup_item (slot));
}

static void
factory_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 gpointer                  user_data)
{
  RowWidgets *rw = g_object_get_data (G_OBJECT (list_item), "xp-row");
  GObject *row = gtk_list_item_get_item (list_item);

  if (XP_IS_SLOT (row))
    {
      rw->slot = XP_SLOT (row);
      rw->slot_id = g_signal_connect (row, "changed", G_CALLBACK (slot_changed_cb), rw);
      row_bind_item (rw, xp_slot_dup_item (rw->slot));
      return;
    }
  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (rw->expander), GTK_TREE_LIST_ROW (row));
  row_bind_item (rw, gtk_tree_list_row_get_item (GTK_TREE_LIST_ROW (row)));
}

static void
factory_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   gpointer                  user_data)
{
  RowWidgets *rw = g_object_get_data (G_OBJECT (list_item), "xp-row");

  row_unbind_item (rw);
  if (rw->slot != NULL)
    {
      g_clear_signal_handler (&rw->slot_id, rw->slot);
      rw->slot = NULL;
    }
  /* The expander keeps its tree row until the next is bound: taken off, it
   * unparented its indentation and expander arrow, and made them again at
   * the next bind (a third of an event storm's time when rows move). */
}

/* The object at @position of the list shown (transfer full), and its tree
 * row if it has one. */
static GObject *
dup_item_at (XpSidebar       *self,
             guint            position,
             GtkTreeListRow **out_row)
{
  g_autoptr(GObject) row = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (out_row != NULL)
    *out_row = NULL;
  if (XP_IS_SLOT (row))
    return xp_slot_dup_item (XP_SLOT (row));
  if (GTK_IS_TREE_LIST_ROW (row))
    {
      if (out_row != NULL)
        *out_row = g_object_ref (GTK_TREE_LIST_ROW (row));
      return gtk_tree_list_row_get_item (GTK_TREE_LIST_ROW (row));
    }
  return NULL;
}

/* ---- model plumbing ---- */

static void
selection_changed_cb (GtkSelectionModel *model,
                      guint              position,
                      guint              n_items,
                      XpSidebar         *self)
{
  if (model == GTK_SELECTION_MODEL (self->selection))
    g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

static void
search_rows_changed_cb (GListModel *model,
                        guint       position,
                        guint       removed,
                        guint       added,
                        XpSidebar  *self)
{
  GtkSelectionModel *selection = GTK_SELECTION_MODEL (self->selections[1]);
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (selection);

  if (!gtk_bitset_is_empty (selected))
    gtk_selection_model_unselect_all (selection);
}

static void
tree_model_changed_cb (XpTreeModel *tree,
                       GParamSpec  *pspec,
                       XpSidebar   *self)
{
  GListModel *model = xp_tree_model_get_model (tree);
  guint i = xp_tree_model_get_searching (tree) ? 1 : 0;

  /* the search's rows are flat: its list view shows slots over them */
  if (i == 1)
    model = gtk_tree_list_model_get_model (GTK_TREE_LIST_MODEL (model));
  if (self->selections[i] == NULL || self->models[i] != model)
    {
      if (self->selections[i] != NULL)
        g_signal_handlers_disconnect_by_data (self->selections[i], self);
      if (self->models[i] != NULL)
        g_signal_handlers_disconnect_by_data (self->models[i], self);
      g_clear_object (&self->selections[i]);
      g_set_object (&self->models[i], model);
      if (i == 1)
        {
          self->selections[i] = gtk_multi_selection_new (G_LIST_MODEL (xp_grow_list_new (G_LIST_MODEL (xp_slot_list_new (model)),
                                                                                         self->list_views[1])));
          /* after the slots have changed: what was selected is not there */
          g_signal_connect (model, "items-changed", G_CALLBACK (search_rows_changed_cb), self);
        }
      else
        self->selections[i] = gtk_multi_selection_new (G_LIST_MODEL (xp_grow_list_new (g_object_ref (model),
                                                                                       self->list_views[0])));
      g_signal_connect (self->selections[i], "selection-changed", G_CALLBACK (selection_changed_cb), self);
      gtk_list_view_set_model (GTK_LIST_VIEW (self->list_views[i]), GTK_SELECTION_MODEL (self->selections[i]));
    }
  else if (i == 1 && self->list_view != self->list_views[1])
    {
      /* a new search starts with nothing selected */
      gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selections[i]));
    }

  if (self->list_view != self->list_views[i])
    {
      gtk_widget_set_visible (self->scrollers[i], TRUE);
      gtk_widget_set_visible (self->scrollers[1 - i], FALSE);
      self->list_view = self->list_views[i];
      /* Typing in the list filters it. */
      gtk_search_entry_set_key_capture_widget (GTK_SEARCH_ENTRY (self->search_entry), self->list_view);
    }
  self->selection = self->selections[i];
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

static void
search_changed_cb (GtkSearchEntry *entry,
                   XpSidebar      *self)
{
  xp_tree_model_set_search (self->tree, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
stop_search_cb (GtkSearchEntry *entry,
                XpSidebar      *self)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  /* at once, so the focus goes to the tree's list, not the search's */
  xp_tree_model_set_search (self->tree, NULL);
  gtk_widget_grab_focus (self->list_view);
}

/* Down in the filter goes on to the rows it left, and selects the row. */
static gboolean
search_key_pressed_cb (GtkEventControllerKey *controller,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       XpSidebar             *self)
{
  GtkWidget *child = NULL;
  GtkListItem *list_item;

  if ((keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down) ||
      (state & gtk_accelerator_get_default_mod_mask ()) != 0)
    return FALSE;
  if (!gtk_widget_child_focus (self->list_view, GTK_DIR_TAB_FORWARD))
    return FALSE;
  list_item = focused_list_item (self, &child);
  if (list_item != NULL && gtk_list_item_get_position (list_item) != GTK_INVALID_LIST_POSITION)
    gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection),
                                     gtk_list_item_get_position (list_item), TRUE);
  return TRUE;
}

static void
view_selected_cb (GtkDropDown *dropdown,
                  GParamSpec  *pspec,
                  XpSidebar   *self)
{
  /* The drop-down lists the views in XpTreeView order. */
  guint selected = gtk_drop_down_get_selected (dropdown);

  if (selected > XP_TREE_VIEW_FOLDERS)
    selected = XP_TREE_VIEW_INFRASTRUCTURE;
  xp_tree_model_set_view (self->tree, (XpTreeView) selected);
}

static void
list_activate_cb (GtkListView *list,
                  guint        position,
                  XpSidebar   *self)
{
  g_autoptr(GtkTreeListRow) row = NULL;
  g_autoptr(GObject) item = dup_item_at (self, position, &row);

  if (item == NULL)
    return;
  if (row != NULL && gtk_tree_list_row_is_expandable (row))
    gtk_tree_list_row_set_expanded (row, !gtk_tree_list_row_get_expanded (row));
  g_signal_emit (self, signals[ACTIVATE_ITEM], 0, item);
}

/* ---- icons ----
 *
 * GTK loads an icon's image in a thread when the icon is first looked up
 * (as a row is measured), and a frame that draws the row before that
 * thread is done waits for it: 2-21 ms in bench-window, the first time a
 * search showed a halted VM or a template, while the sync kept both cores
 * busy.  So the rows' icons are looked up when the sidebar is realized,
 * as the rows' images look them up (16 px, GTK_ICON_LOOKUP_PRELOAD), and
 * held: they stay in the theme's cache, loaded. */

#define ROW_ICON_SIZE 16

static void
preload_icon (XpSidebar  *self,
              const char *name)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (widget));
  /* as a GtkImage names it (the theme's cache is keyed by every name a
   * themed icon tries, the symbolic one's regular fallback among them) */
  g_autoptr(GIcon) icon = g_themed_icon_new (name);

  g_ptr_array_add (self->icons,
                   gtk_icon_theme_lookup_by_gicon (theme, icon, ROW_ICON_SIZE,
                                                   gtk_widget_get_scale_factor (widget),
                                                   gtk_widget_get_direction (widget),
                                                   GTK_ICON_LOOKUP_PRELOAD));
}

static void
preload_icons (XpSidebar *self)
{
  const char * const *names = xp_object_icon_names ();

  g_ptr_array_set_size (self->icons, 0);
  for (guint i = 0; names[i] != NULL; i++)
    preload_icon (self, names[i]);
  /* the search entry's, shown at the first key of a search */
  preload_icon (self, "edit-clear-symbolic");
}

static void
xp_sidebar_realize (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (xp_sidebar_parent_class)->realize (widget);
  preload_icons (XP_SIDEBAR (widget));
}

/* ---- GObject ---- */

static void
xp_sidebar_dispose (GObject *object)
{
  XpSidebar *self = XP_SIDEBAR (object);

  for (guint i = 0; i < 2; i++)
    {
      if (self->selections[i] != NULL)
        g_signal_handlers_disconnect_by_data (self->selections[i], self);
      if (self->models[i] != NULL)
        g_signal_handlers_disconnect_by_data (self->models[i], self);
    }
  if (self->tree != NULL)
    g_signal_handlers_disconnect_by_data (self->tree, self);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  /* (the rows of its list views among them) */
  reap_all_rows ();
  self->selection = NULL;
  self->list_view = NULL;
  g_clear_object (&self->selections[0]);
  g_clear_object (&self->selections[1]);
  g_clear_object (&self->models[0]);
  g_clear_object (&self->models[1]);
  g_clear_object (&self->tree);
  g_clear_pointer (&self->icons, g_ptr_array_unref);
  G_OBJECT_CLASS (xp_sidebar_parent_class)->dispose (object);
}

static void
xp_sidebar_class_init (XpSidebarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = xp_sidebar_dispose;
  widget_class->realize = xp_sidebar_realize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "xpsidebar");

  signals[SELECTION_CHANGED] =
    g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CONTEXT_MENU] =
    g_signal_new ("context-menu", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_OBJECT, GTK_TYPE_WIDGET, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  signals[ACTIVATE_ITEM] =
    g_signal_new ("activate-item", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_OBJECT);
  signals[VM_DROPPED] =
    g_signal_new ("vm-dropped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, XAPI_TYPE_VM, XAPI_TYPE_HOST);
}

static void
xp_sidebar_init (XpSidebar *self)
{
  GtkListItemFactory *factory;
  GtkEventController *controller;
  GtkShortcutTrigger *trigger;
  const char *views[] = { _("Infrastructure"), _("Objects"), _("Tags"), _("Folders"), NULL };
  GtkWidget *top;

  self->icons = g_ptr_array_new_with_free_func (g_object_unref);
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  top = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_start (top, 6);
  gtk_widget_set_margin_end (top, 6);
  gtk_widget_set_margin_top (top, 6);
  gtk_widget_set_margin_bottom (top, 6);
  gtk_box_append (GTK_BOX (self->box), top);

  self->search_entry = gtk_search_entry_new ();
  g_object_set (self->search_entry, "placeholder-text",
                _("Filter by name, UUID, IP or tag"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Filter"), -1);
  g_signal_connect (self->search_entry, "search-changed", G_CALLBACK (search_changed_cb), self);
  g_signal_connect (self->search_entry, "stop-search", G_CALLBACK (stop_search_cb), self);
  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (search_key_pressed_cb), self);
  gtk_widget_add_controller (self->search_entry, controller);
  gtk_box_append (GTK_BOX (top), self->search_entry);

  self->view_dropdown = gtk_drop_down_new_from_strings (views);
  gtk_widget_set_tooltip_text (self->view_dropdown, _("Sidebar view"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->view_dropdown),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Sidebar view"), -1);
  g_signal_connect (self->view_dropdown, "notify::selected", G_CALLBACK (view_selected_cb), self);
  gtk_box_append (GTK_BOX (top), self->view_dropdown);

  for (guint i = 0; i < 2; i++)
    {
      GtkWidget *list_view;

      factory = gtk_signal_list_item_factory_new ();
      g_signal_connect (factory, "setup", G_CALLBACK (factory_setup_cb), self);
      g_signal_connect (factory, "bind", G_CALLBACK (factory_bind_cb), self);
      g_signal_connect (factory, "unbind", G_CALLBACK (factory_unbind_cb), self);
      list_view = gtk_list_view_new (NULL, factory);
      gtk_widget_add_css_class (list_view, "navigation-sidebar");
      gtk_accessible_update_property (GTK_ACCESSIBLE (list_view),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Servers and objects"), -1);
      g_signal_connect (list_view, "activate", G_CALLBACK (list_activate_cb), self);
      /* The context menu key and Shift+F10 open a row's menu. */
      trigger = gtk_alternative_trigger_new (gtk_keyval_trigger_new (GDK_KEY_Menu, 0),
                                             gtk_keyval_trigger_new (GDK_KEY_F10, GDK_SHIFT_MASK));
      controller = gtk_shortcut_controller_new ();
      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                            gtk_shortcut_new (trigger, gtk_callback_action_new (context_menu_key_cb,
                                                                                                self, NULL)));
      gtk_widget_add_controller (list_view, controller);

      self->scrollers[i] = gtk_scrolled_window_new ();
      gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scrollers[i]),
                                      GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
      gtk_widget_set_vexpand (self->scrollers[i], TRUE);
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scrollers[i]), list_view);
      gtk_widget_set_visible (self->scrollers[i], i == 0);
      gtk_box_append (GTK_BOX (self->box), self->scrollers[i]);
      self->list_views[i] = list_view;
    }
  self->list_view = self->list_views[0];
  /* Typing in the list filters it. */
  gtk_search_entry_set_key_capture_widget (GTK_SEARCH_ENTRY (self->search_entry), self->list_view);
}

GtkWidget *
xp_sidebar_new (GListModel *connections)
{
  XpSidebar *self = g_object_new (XP_TYPE_SIDEBAR, NULL);

  self->tree = xp_tree_model_new (connections);
  g_signal_connect (self->tree, "notify::model", G_CALLBACK (tree_model_changed_cb), self);
  tree_model_changed_cb (self->tree, NULL, self);
  return GTK_WIDGET (self);
}

XpTreeModel *
xp_sidebar_get_tree_model (XpSidebar *self)
{
  g_return_val_if_fail (XP_IS_SIDEBAR (self), NULL);
  return self->tree;
}

GPtrArray *
xp_sidebar_get_selection (XpSidebar *self)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GtkBitset) set = NULL;
  GtkBitsetIter iter;
  guint pos;

  g_return_val_if_fail (XP_IS_SIDEBAR (self), items);

  set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, set, &pos); ok;
       ok = gtk_bitset_iter_next (&iter, &pos))
    {
      GObject *item = dup_item_at (self, pos, NULL);

      if (item != NULL)
        g_ptr_array_add (items, item);
    }
  return items;
}

gboolean
xp_sidebar_select_item (XpSidebar *self,
                        GObject   *item)
{
  guint n;

  g_return_val_if_fail (XP_IS_SIDEBAR (self), FALSE);

  /* every row, even in the frame a list grows in */
  grow_list_catch_up (XP_GROW_LIST (gtk_multi_selection_get_model (self->selection)));
  n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) it = dup_item_at (self, i, NULL);

      if (it == item)
        {
          gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), i, TRUE);
          gtk_widget_activate_action (self->list_view, "list.scroll-to-item", "u", i);
          return TRUE;
        }
    }
  return FALSE;
}

void
xp_sidebar_set_view (XpSidebar  *self,
                     XpTreeView  view)
{
  g_return_if_fail (XP_IS_SIDEBAR (self));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->view_dropdown), (guint) view);
}

void
xp_sidebar_set_show_templates (XpSidebar *self,
                               gboolean   show)
{
  g_return_if_fail (XP_IS_SIDEBAR (self));
  xp_tree_model_set_show_templates (self->tree, show);
}

GtkEditable *
xp_sidebar_get_search_entry (XpSidebar *self)
{
  g_return_val_if_fail (XP_IS_SIDEBAR (self), NULL);
  return GTK_EDITABLE (self->search_entry);
}

GtkWidget *
xp_sidebar_get_list_view (XpSidebar *self)
{
  g_return_val_if_fail (XP_IS_SIDEBAR (self), NULL);
  return self->list_view;
}

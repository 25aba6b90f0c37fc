/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The New Network wizard.  network.create, then per server VLAN.create on
 * the chosen NIC (external) or Bond.create of the chosen NICs (bonded);
 * a private network has no PIFs.  On failure or cancel the VLANs, bonds
 * and the network created so far are destroyed again, newest first.
 * "Add this network to new VMs" writes other_config:automatic ("true" or
 * "false", as XenCenter does; on by default except for private networks). */

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "xp-new-network-wizard.h"
#include "xp-wizard-util.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-error.h"

enum { PAGE_TYPE, PAGE_NAME, PAGE_DETAILS, PAGE_SUMMARY, PAGE_PROGRESS, N_PAGES };
static const char *page_names[N_PAGES] = { "type", "name", "details", "summary", "progress" };

typedef enum { KIND_EXTERNAL, KIND_PRIVATE, KIND_BOND } Kind;

static const char *bond_modes[] = { "balance-slb", "active-backup", "lacp", NULL };

struct _XpNewNetworkWizard
{
  GtkWindow       parent_instance;

  XapiConnection *conn;
  int             page;

  GtkStack       *stack;
  GtkCheckButton *kind_external;
  GtkCheckButton *kind_private;
  GtkCheckButton *kind_bond;
  GtkEntry       *name_entry;
  GtkEntry       *description_entry;
  GtkWidget      *external_box;
  GtkWidget      *bond_box;
  GtkDropDown    *nic_dropdown;
  GtkStringList  *nics;          /* physical NIC devices of the master */
  GtkSpinButton  *vlan_spin;
  GtkSpinButton  *mtu_spin;
  GtkWidget      *member_box;    /* one check button per NIC */
  GtkDropDown    *mode_dropdown;
  GtkCheckButton *automatic_check;
  gboolean        automatic_touched;   /* the user chose; keep it across kinds */
  GtkLabel       *summary_label;
  GtkLabel       *status_label;
  GtkProgressBar *progress;
  GtkLabel       *hint_label;
  GtkButton      *back_button;
  GtkButton      *next_button;
  GtkButton      *cancel_button;

  /* creation */
  GCancellable   *cancellable;
  gboolean        running;
  char           *network_ref;
  GPtrArray      *pending;       /* JsonArray params of the PIF calls to make */
  guint           n_calls;
  GPtrArray      *created;       /* "VLAN.destroy"/"Bond.destroy" + ref pairs */
  char           *failure;
};

G_DEFINE_FINAL_TYPE (XpNewNetworkWizard, xp_new_network_wizard, GTK_TYPE_WINDOW)

enum { SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static Kind
kind (XpNewNetworkWizard *self)
{
  if (gtk_check_button_get_active (self->kind_private))
    return KIND_PRIVATE;
  if (gtk_check_button_get_active (self->kind_bond))
    return KIND_BOND;
  return KIND_EXTERNAL;
}

static const char *
chosen_nic (XpNewNetworkWizard *self)
{
  guint i = gtk_drop_down_get_selected (self->nic_dropdown);

  return i != GTK_INVALID_LIST_POSITION ? gtk_string_list_get_string (self->nics, i) : NULL;
}

/* Checked bond members, as device names (transfer container). */
static GPtrArray *
chosen_members (XpNewNetworkWizard *self)
{
  GPtrArray *out = g_ptr_array_new ();

  for (GtkWidget *c = gtk_widget_get_first_child (self->member_box); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (gtk_check_button_get_active (GTK_CHECK_BUTTON (c)))
      g_ptr_array_add (out, g_object_get_data (G_OBJECT (c), "device"));
  return out;
}

/* The PIFs of every server that match @device and @vlan (-1: untagged). */
static GPtrArray *
pifs_with (XpNewNetworkWizard *self,
           const char         *device,
           gint64              vlan)
{
  GListModel *pifs = xapi_cache_get_objects (xapi_connection_get_cache (self->conn), XAPI_TYPE_PIF);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (pifs); i++)
    {
      g_autoptr(XapiPif) pif = g_list_model_get_item (pifs, i);

      if (!xapi_object_is_gone (XAPI_OBJECT (pif)) && g_strcmp0 (xapi_pif_get_device (pif), device) == 0
          && xapi_pif_get_vlan (pif) == vlan)
        g_ptr_array_add (out, g_steal_pointer (&pif));
    }
  return out;
}

static const char *
why_blocked (XpNewNetworkWizard *self)
{
  if (self->running)
    return _("The network is being created");
  if (xapi_connection_get_state (self->conn) != XAPI_CONNECTION_STATE_CONNECTED)
    return _("The server is not connected");
  switch (self->page)
    {
    case PAGE_NAME:
      {
        g_autofree char *name = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_entry)));
        if (*g_strstrip (name) == '\0')
          return _("Enter a name for the network");
      }
      break;
    case PAGE_DETAILS:
      if (kind (self) == KIND_EXTERNAL)
        {
          g_autoptr(GPtrArray) used = NULL;

          if (chosen_nic (self) == NULL)
            return _("Choose the NIC that carries the VLAN");
          used = pifs_with (self, chosen_nic (self), gtk_spin_button_get_value_as_int (self->vlan_spin));
          if (used->len > 0)
            return _("This VLAN already exists on that NIC");
        }
      else if (kind (self) == KIND_BOND)
        {
          g_autoptr(GPtrArray) members = chosen_members (self);

          if (members->len < 2)
            return _("Choose at least two NICs for the bond");
          if (members->len > 4)
            return _("A bond has at most four NICs");
        }
      break;
    default:
      break;
    }
  return NULL;
}

static void
update_buttons (XpNewNetworkWizard *self)
{
  const char *why = why_blocked (self);

  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), why == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), self->page < PAGE_PROGRESS);
  gtk_widget_set_sensitive (GTK_WIDGET (self->back_button), self->page > PAGE_TYPE && self->page < PAGE_PROGRESS);
  gtk_label_set_text (self->hint_label, why != NULL && self->page < PAGE_PROGRESS ? why : "");
  gtk_button_set_label (self->next_button, self->page == PAGE_SUMMARY ? _("_Create") : _("_Next"));
  gtk_button_set_label (self->cancel_button,
                        self->page == PAGE_PROGRESS && !self->running ? _("_Close") : _("_Cancel"));
}

static void
update_summary (XpNewNetworkWizard *self)
{
  g_autofree char *text = NULL;
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_entry));
  int mtu = gtk_spin_button_get_value_as_int (self->mtu_spin);

  switch (kind (self))
    {
    case KIND_EXTERNAL:
      text = g_strdup_printf (_("The network “%s” will carry VLAN %d on %s of every server, MTU %d."), name,
                              gtk_spin_button_get_value_as_int (self->vlan_spin), chosen_nic (self), mtu);
      break;
    case KIND_PRIVATE:
      text = g_strdup_printf (_("The network “%s” will connect the VMs of one server only, MTU %d."), name, mtu);
      break;
    case KIND_BOND:
      {
        g_autoptr(GPtrArray) members = chosen_members (self);
        g_autofree char *list = NULL;

        g_ptr_array_add (members, NULL);
        list = g_strjoinv (", ", (char **) members->pdata);
        text = g_strdup_printf (_("The network “%s” will run over a %s bond of %s on every server, MTU %d."), name,
                                bond_modes[gtk_drop_down_get_selected (self->mode_dropdown)], list, mtu);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  {
    g_autofree char *full = g_strconcat (text, " ",
                                         gtk_check_button_get_active (self->automatic_check)
                                         ? _("It will be added to new VMs.")
                                         : _("It will not be added to new VMs."),
                                         NULL);
    gtk_label_set_text (self->summary_label, full);
  }
}

static void
automatic_toggled_cb (GtkCheckButton     *check,
                      XpNewNetworkWizard *self)
{
  self->automatic_touched = TRUE;
}

static void
show_page (XpNewNetworkWizard *self,
           int                 page)
{
  self->page = page;
  if (page == PAGE_DETAILS)
    {
      gtk_widget_set_visible (self->external_box, kind (self) == KIND_EXTERNAL);
      gtk_widget_set_visible (self->bond_box, kind (self) == KIND_BOND);
      /* as XenCenter: on for networks over NICs, off for a private one,
       * until the user chooses */
      if (!self->automatic_touched)
        {
          g_signal_handlers_block_by_func (self->automatic_check, automatic_toggled_cb, self);
          gtk_check_button_set_active (self->automatic_check, kind (self) != KIND_PRIVATE);
          g_signal_handlers_unblock_by_func (self->automatic_check, automatic_toggled_cb, self);
        }
    }
  if (page == PAGE_SUMMARY)
    update_summary (self);
  gtk_stack_set_visible_child_name (self->stack, page_names[page]);
  update_buttons (self);
}

/* ---- creation ---- */

static void next_call (XpNewNetworkWizard *self);

static void
finish (XpNewNetworkWizard *self)
{
  self->running = FALSE;
  gtk_progress_bar_set_fraction (self->progress, self->failure == NULL ? 1.0 : 0.0);
  if (self->failure != NULL)
    gtk_label_set_text (self->status_label, self->failure);
  else
    {
      g_autofree char *done = g_strdup_printf (_("The network “%s” was created."),
                                               gtk_editable_get_text (GTK_EDITABLE (self->name_entry)));
      gtk_label_set_text (self->status_label, done);
    }
  update_buttons (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, self->failure == NULL ? self->network_ref : NULL,
                 self->failure);
  g_object_unref (self);  /* taken in start_creation () */
}

static void rollback_next (XpNewNetworkWizard *self);

static void
on_rollback_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  XpNewNetworkWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (self->conn, result, &error);

  if (error != NULL)
    g_debug ("rollback step failed: %s", error->message);
  rollback_next (self);
}

static void
rollback_next (XpNewNetworkWizard *self)
{
  JsonArray *p;

  if (self->created->len >= 2)
    {
      g_autofree char *ref = g_ptr_array_steal_index (self->created, self->created->len - 1);
      g_autofree char *method = g_ptr_array_steal_index (self->created, self->created->len - 1);

      p = json_array_new ();
      json_array_add_string_element (p, ref);
      xapi_connection_call_async (self->conn, method, p, NULL, on_rollback_done, self);
      return;
    }
  if (self->network_ref != NULL)
    {
      g_autofree char *ref = g_steal_pointer (&self->network_ref);

      p = json_array_new ();
      json_array_add_string_element (p, ref);
      xapi_connection_call_async (self->conn, "network.destroy", p, NULL, on_rollback_done, self);
      return;
    }
  finish (self);
}

static void
fail (XpNewNetworkWizard *self,
      GError             *error)
{
  g_autofree char *why = xapi_error_describe (error, TRUE);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    self->failure = g_strdup (_("Cancelled. Everything created so far was removed again."));
  else if (self->network_ref == NULL)
    self->failure = g_strdup_printf (_("The network could not be created: %s"), why);
  else
    self->failure = g_strdup_printf (_("The network could not be created: %s Everything created so far was removed again."), why);
  gtk_label_set_text (self->status_label, _("Removing what was created…"));
  rollback_next (self);
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  XpNewNetworkWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (self->conn, result, &error);
  const char *ref = node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;

  if (error == NULL && ref == NULL)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, _("The server returned no reference."));
  if (error == NULL && g_cancellable_is_cancelled (self->cancellable))
    {
      /* record what the late answer created so the rollback removes it too */
      if (self->network_ref != NULL)
        {
          g_ptr_array_add (self->created, g_strdup (kind (self) == KIND_BOND ? "Bond.destroy" : "VLAN.destroy"));
          g_ptr_array_add (self->created, g_strdup (ref));
        }
      else
        self->network_ref = g_strdup (ref);
      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
    }
  if (error != NULL)
    {
      fail (self, error);
      return;
    }
  if (self->network_ref == NULL)
    self->network_ref = g_strdup (ref);
  else
    {
      g_ptr_array_add (self->created, g_strdup (kind (self) == KIND_BOND ? "Bond.destroy" : "VLAN.destroy"));
      g_ptr_array_add (self->created, g_strdup (ref));
    }
  next_call (self);
}

/* The per-server calls, once the network exists. */
static void
queue_pif_calls (XpNewNetworkWizard *self)
{
  if (kind (self) == KIND_EXTERNAL)
    {
      g_autoptr(GPtrArray) pifs = pifs_with (self, chosen_nic (self), -1);

      for (guint i = 0; i < pifs->len; i++)
        {
          JsonArray *p = json_array_new ();

          if (!xapi_pif_get_physical (pifs->pdata[i]))
            {
              json_array_unref (p);
              continue;
            }
          json_array_add_string_element (p, xapi_object_get_ref (pifs->pdata[i]));
          json_array_add_int_element (p, gtk_spin_button_get_value_as_int (self->vlan_spin));
          json_array_add_string_element (p, self->network_ref);
          g_ptr_array_add (self->pending, p);
        }
    }
  else if (kind (self) == KIND_BOND)
    {
      GListModel *hosts = xapi_cache_get_objects (xapi_connection_get_cache (self->conn), XAPI_TYPE_HOST);
      g_autoptr(GPtrArray) members = chosen_members (self);

      for (guint h = 0; h < g_list_model_get_n_items (hosts); h++)
        {
          g_autoptr(XapiHost) host = g_list_model_get_item (hosts, h);
          JsonArray *refs = json_array_new ();
          JsonArray *p;
          JsonObject *props = json_object_new ();

          for (guint m = 0; m < members->len; m++)
            {
              g_autoptr(GPtrArray) pifs = pifs_with (self, members->pdata[m], -1);

              for (guint i = 0; i < pifs->len; i++)
                if (g_strcmp0 (xapi_pif_get_host (pifs->pdata[i]), xapi_object_get_ref (XAPI_OBJECT (host))) == 0
                    && xapi_pif_get_physical (pifs->pdata[i]))
                  json_array_add_string_element (refs, xapi_object_get_ref (pifs->pdata[i]));
            }
          if (json_array_get_length (refs) != members->len)
            {
              /* this server lacks one of the NICs */
              json_array_unref (refs);
              json_object_unref (props);
              continue;
            }
          p = json_array_new ();
          json_array_add_string_element (p, self->network_ref);
          json_array_add_array_element (p, refs);
          json_array_add_string_element (p, "");
          json_array_add_string_element (p, bond_modes[gtk_drop_down_get_selected (self->mode_dropdown)]);
          json_array_add_object_element (p, props);
          g_ptr_array_add (self->pending, p);
        }
    }
  self->n_calls = self->pending->len + 1;
}

static void
next_call (XpNewNetworkWizard *self)
{
  JsonArray *p;

  if (self->n_calls == 0)
    queue_pif_calls (self);
  if (self->pending->len == 0)
    {
      finish (self);
      return;
    }
  gtk_progress_bar_set_fraction (self->progress, 1.0 - (double) self->pending->len / self->n_calls);
  p = g_ptr_array_steal_index (self->pending, 0);
  gtk_label_set_text (self->status_label, kind (self) == KIND_BOND ? _("Creating the bond on each server…")
                                                                   : _("Creating the VLAN on each server…"));
  xapi_connection_call_async (self->conn, kind (self) == KIND_BOND ? "Bond.create" : "VLAN.create", p,
                              NULL, on_call_done, self);
}

static void
start_creation (XpNewNetworkWizard *self)
{
  JsonArray *p = json_array_new ();
  JsonObject *rec = json_object_new ();

  self->running = TRUE;
  self->n_calls = 0;
  g_clear_pointer (&self->failure, g_free);
  g_object_ref (self);  /* released in finish () */
  show_page (self, PAGE_PROGRESS);
  gtk_label_set_text (self->status_label, _("Creating the network…"));
  json_object_set_string_member (rec, "name_label", gtk_editable_get_text (GTK_EDITABLE (self->name_entry)));
  json_object_set_string_member (rec, "name_description", gtk_editable_get_text (GTK_EDITABLE (self->description_entry)));
  json_object_set_int_member (rec, "MTU", gtk_spin_button_get_value_as_int (self->mtu_spin));
  {
    /* other_config:automatic, written as XenCenter does */
    JsonObject *oc = json_object_new ();

    json_object_set_string_member (oc, "automatic",
                                   gtk_check_button_get_active (self->automatic_check) ? "true" : "false");
    json_object_set_object_member (rec, "other_config", oc);
  }
  json_object_set_array_member (rec, "tags", json_array_new ());
  json_array_add_object_element (p, rec);
  /* calls are not cancelled in flight (the ref of what the server made
   * would be lost); on_call_done notices a cancel and rolls back */
  xapi_connection_call_async (self->conn, "network.create", p, NULL, on_call_done, self);
}

static void
on_next (XpNewNetworkWizard *self)
{
  if (why_blocked (self) != NULL)
    return;
  if (self->page == PAGE_SUMMARY)
    start_creation (self);
  else
    show_page (self, self->page + 1);
}

static void
on_back (XpNewNetworkWizard *self)
{
  if (self->page > PAGE_TYPE && self->page < PAGE_PROGRESS)
    show_page (self, self->page - 1);
}

static void
on_cancel (XpNewNetworkWizard *self)
{
  if (self->running)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
on_escape (GtkWidget *widget,
           GVariant  *args,
           gpointer   data)
{
  on_cancel (data);
  return TRUE;
}

static gboolean
on_close_request (GtkWindow *window)
{
  XpNewNetworkWizard *self = XP_NEW_NETWORK_WIZARD (window);

  if (self->running)
    {
      g_cancellable_cancel (self->cancellable);
      return TRUE;
    }
  return FALSE;
}

/* ---- construction ---- */

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/* The physical NICs of the pool master (device names, sorted). */
static void
fill_nics (XpNewNetworkWizard *self)
{
  XapiCache *cache = xapi_connection_get_cache (self->conn);
  XapiObject *master = xapi_cache_get_master (cache);
  GListModel *pifs = xapi_cache_get_objects (cache, XAPI_TYPE_PIF);
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (pifs); i++)
    {
      g_autoptr(XapiPif) pif = g_list_model_get_item (pifs, i);

      if (master != NULL && g_strcmp0 (xapi_pif_get_host (pif), xapi_object_get_ref (master)) == 0
          && xapi_pif_get_physical (pif) && xapi_pif_get_vlan (pif) < 0)
        g_ptr_array_add (devices, g_strdup (xapi_pif_get_device (pif)));
    }
  g_ptr_array_sort (devices, compare_strings);
  for (guint i = 0; i < devices->len; i++)
    {
      GtkWidget *check = NULL;
      g_autoptr(GPtrArray) on_master = pifs_with (self, devices->pdata[i], -1);
      gboolean free_nic = TRUE;

      for (guint j = 0; j < on_master->len; j++)
        if (g_strcmp0 (xapi_pif_get_bond_slave_of (on_master->pdata[j]), "OpaqueRef:NULL") != 0
            && xapi_pif_get_bond_slave_of (on_master->pdata[j]) != NULL)
          free_nic = FALSE;
      gtk_string_list_append (self->nics, devices->pdata[i]);
      check = xp_wizard_named (gtk_check_button_new_with_label (devices->pdata[i]), "bond-member");
      g_object_set_data_full (G_OBJECT (check), "device", g_strdup (devices->pdata[i]), g_free);
      if (!free_nic)
        {
          g_autofree char *label = g_strdup_printf (_("%s (already in a bond)"), (char *) devices->pdata[i]);
          gtk_check_button_set_label (GTK_CHECK_BUTTON (check), label);
          gtk_widget_set_sensitive (check, FALSE);
        }
      g_signal_connect_swapped (check, "toggled", G_CALLBACK (update_buttons), self);
      gtk_box_append (GTK_BOX (self->member_box), check);
    }
}

static void
xp_new_network_wizard_dispose (GObject *object)
{
  XpNewNetworkWizard *self = XP_NEW_NETWORK_WIZARD (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (xp_new_network_wizard_parent_class)->dispose (object);
}

static void
xp_new_network_wizard_finalize (GObject *object)
{
  XpNewNetworkWizard *self = XP_NEW_NETWORK_WIZARD (object);

  g_clear_object (&self->conn);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->nics);
  g_clear_pointer (&self->network_ref, g_free);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->created, g_ptr_array_unref);
  g_clear_pointer (&self->failure, g_free);
  G_OBJECT_CLASS (xp_new_network_wizard_parent_class)->finalize (object);
}

static void
xp_new_network_wizard_class_init (XpNewNetworkWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xp_new_network_wizard_dispose;
  object_class->finalize = xp_new_network_wizard_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = on_close_request;

  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                           G_TYPE_STRING, G_TYPE_STRING);
}

static void
xp_new_network_wizard_init (XpNewNetworkWizard *self)
{
  self->cancellable = g_cancellable_new ();
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) json_array_unref);
  self->created = g_ptr_array_new_with_free_func (g_free);
  self->nics = gtk_string_list_new (NULL);
}

GtkWindow *
xp_new_network_wizard_new (GtkWindow      *parent,
                           XapiConnection *conn)
{
  XpNewNetworkWizard *self;
  GtkWidget *outer, *box, *buttons, *label;

  g_return_val_if_fail (XAPI_IS_CONNECTION (conn), NULL);

  self = g_object_new (XP_TYPE_NEW_NETWORK_WIZARD,
                       "title", _("New Network"),
                       "transient-for", parent,
                       "default-width", 520,
                       "default-height", 440,
                       NULL);
  self->conn = g_object_ref (conn);

  outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (outer), GTK_WIDGET (self->stack));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_TYPE], _("Type of network"));
  self->kind_external = GTK_CHECK_BUTTON (xp_wizard_named (gtk_check_button_new_with_mnemonic (_("_External network (VLAN on a NIC)")),
                                                 "kind-external"));
  self->kind_private = GTK_CHECK_BUTTON (xp_wizard_named (gtk_check_button_new_with_mnemonic (_("Single-server _private network")),
                                                "kind-private"));
  self->kind_bond = GTK_CHECK_BUTTON (xp_wizard_named (gtk_check_button_new_with_mnemonic (_("_Bonded network")), "kind-bond"));
  gtk_check_button_set_group (self->kind_private, self->kind_external);
  gtk_check_button_set_group (self->kind_bond, self->kind_external);
  gtk_check_button_set_active (self->kind_external, TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->kind_external));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->kind_private));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->kind_bond));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_NAME], _("Name"));
  self->name_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "name-entry"));
  xp_wizard_labelled (box, _("_Name"), GTK_WIDGET (self->name_entry));
  gtk_entry_set_activates_default (self->name_entry, TRUE);
  self->description_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "description-entry"));
  xp_wizard_labelled (box, _("_Description"), GTK_WIDGET (self->description_entry));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_DETAILS], _("Settings"));
  self->external_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->nic_dropdown = GTK_DROP_DOWN (xp_wizard_named (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->nics)), NULL),
                                             "nic-dropdown"));
  xp_wizard_labelled (self->external_box, _("N_IC"), GTK_WIDGET (self->nic_dropdown));
  self->vlan_spin = GTK_SPIN_BUTTON (xp_wizard_named (gtk_spin_button_new_with_range (0, 4094, 1), "vlan-spin"));
  xp_wizard_labelled (self->external_box, _("_VLAN"), GTK_WIDGET (self->vlan_spin));
  gtk_box_append (GTK_BOX (box), self->external_box);
  self->bond_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->member_box = xp_wizard_named (gtk_box_new (GTK_ORIENTATION_VERTICAL, 2), "member-box");
  label = gtk_label_new (_("NICs in the bond"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (self->bond_box), label);
  gtk_box_append (GTK_BOX (self->bond_box), self->member_box);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->member_box), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  label, NULL, -1);
  self->mode_dropdown = GTK_DROP_DOWN (xp_wizard_named (gtk_drop_down_new_from_strings (bond_modes), "mode-dropdown"));
  xp_wizard_labelled (self->bond_box, _("Bond _mode"), GTK_WIDGET (self->mode_dropdown));
  gtk_box_append (GTK_BOX (box), self->bond_box);
  self->mtu_spin = GTK_SPIN_BUTTON (xp_wizard_named (gtk_spin_button_new_with_range (1280, 9216, 1), "mtu-spin"));
  gtk_spin_button_set_value (self->mtu_spin, 1500);
  xp_wizard_labelled (box, _("MT_U"), GTK_WIDGET (self->mtu_spin));
  self->automatic_check = GTK_CHECK_BUTTON (xp_wizard_named (gtk_check_button_new_with_mnemonic (_("_Add this network to new VMs")),
                                                             "automatic-check"));
  gtk_check_button_set_active (self->automatic_check, TRUE);
  g_signal_connect (self->automatic_check, "toggled", G_CALLBACK (automatic_toggled_cb), self);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->automatic_check));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_SUMMARY], _("Summary"));
  self->summary_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "summary-label"));
  gtk_label_set_wrap (self->summary_label, TRUE);
  gtk_label_set_xalign (self->summary_label, 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->summary_label));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_PROGRESS], _("Creating"));
  self->status_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "status-label"));
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_xalign (self->status_label, 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->status_label));
  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Progress"), -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->progress));

  buttons = xp_wizard_button_bar (GTK_WINDOW (self), &self->hint_label, &self->cancel_button,
                                  &self->back_button, &self->next_button, G_CALLBACK (on_next),
                                  G_CALLBACK (on_back), G_CALLBACK (on_cancel), on_escape);
  gtk_box_append (GTK_BOX (outer), buttons);
  gtk_window_set_child (GTK_WINDOW (self), outer);

  fill_nics (self);

  g_signal_connect_swapped (self->name_entry, "changed", G_CALLBACK (update_buttons), self);
  g_signal_connect_swapped (self->vlan_spin, "value-changed", G_CALLBACK (update_buttons), self);
  g_signal_connect_swapped (self->nic_dropdown, "notify::selected", G_CALLBACK (update_buttons), self);

  self->page = PAGE_TYPE;
  update_buttons (self);
  return GTK_WINDOW (self);
}

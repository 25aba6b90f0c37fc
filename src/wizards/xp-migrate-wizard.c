/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Migrate VM wizard.  The destination is a server of the VM's pool
 * (VM.pool_migrate, live) or of another connected pool (cross-pool:
 * host.migrate_receive on the destination, then VM.assert_can_migrate and
 * VM.migrate_send on the source, with an SR per disk and a network per
 * VIF).  Each server is listed with the reason it cannot take the VM: the
 * preconditions the cache can answer (current server, disabled, not live,
 * free memory), then whatever VM.assert_can_boot_here (same pool) or
 * VM.assert_can_migrate with the default mapping (other pool) answers.
 * The servers of every connected pool are in one list, under a heading
 * per pool. */

#include "config.h"

#include <glib/gi18n.h>

#include "xp-migrate-wizard.h"
#include "xp-wizard-util.h"
#include "xapi-cache.h"
#include "xapi-error.h"
#include "xapi-task-ops.h"

enum { PAGE_HOST, PAGE_STORAGE, PAGE_NETWORK, PAGE_SUMMARY, PAGE_PROGRESS, N_PAGES };
static const char *page_names[N_PAGES] = { "host", "storage", "network", "summary", "progress" };

struct _XpMigrateWizard
{
  GtkWindow       parent_instance;

  XapiConnection *conn;
  XapiVm         *vm;
  char           *vm_ref;
  int             page;
  int             n_checking;
  guint           generation;    /* of the host list; older checks are ignored */

  GPtrArray      *pools;         /* XapiConnection: the VM's pool first */
  XapiConnection *dest;          /* the pool of the chosen server */
  char           *preset_host;

  GtkStack       *stack;
  GtkListBox     *host_list;
  GtkBox         *storage_box;
  GtkBox         *network_box;
  GtkDropDown    *migration_network;
  GtkLabel       *summary_label;
  GtkLabel       *status_label;
  GtkProgressBar *progress;
  GtkLabel       *hint_label;
  GtkButton      *back_button;
  GtkButton      *next_button;
  GtkButton      *cancel_button;

  GPtrArray      *disk_rows;     /* MapRow, per disk */
  GPtrArray      *vif_rows;      /* MapRow, per VIF */
  GPtrArray      *migration_nets; /* refs behind migration_network */

  GCancellable   *cancellable;   /* the checks and the migration */
  XapiTask       *task;
  gulong          progress_id;
  gboolean        running;
  char           *target_ref;
  char           *result_ref;
};

/* A source object (VDI or VIF) and the dropdown choosing where it goes. */
typedef struct {
  char        *ref;
  GtkDropDown *dropdown;
  GPtrArray   *choices;   /* refs, parallel to the dropdown's strings */
} MapRow;

static void
map_row_free (gpointer p)
{
  MapRow *r = p;

  g_free (r->ref);
  g_ptr_array_unref (r->choices);
  g_free (r);
}

G_DEFINE_FINAL_TYPE (XpMigrateWizard, xp_migrate_wizard, GTK_TYPE_WINDOW)

enum { SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static gboolean
is_cross_pool (XpMigrateWizard *self)
{
  return self->dest != NULL && self->dest != self->conn;
}

static XapiConnection *
row_pool (GtkListBoxRow *row)
{
  return XAPI_CONNECTION (xapi_object_get_connection (g_object_get_data (G_OBJECT (row), "host")));
}

static XapiHost *
selected_host (XpMigrateWizard *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->host_list);

  return row != NULL ? g_object_get_data (G_OBJECT (row), "host") : NULL;
}

static const char *
why_blocked (XpMigrateWizard *self)
{
  XapiVmPowerState ps = xapi_vm_get_power_state (self->vm);

  if (self->running)
    return _("The VM is being migrated");
  if (xapi_connection_get_state (self->conn) != XAPI_CONNECTION_STATE_CONNECTED
      || (self->dest != NULL && xapi_connection_get_state (self->dest) != XAPI_CONNECTION_STATE_CONNECTED))
    return _("The server is not connected");
  if (self->page == PAGE_HOST && selected_host (self) == NULL)
    return self->n_checking > 0 ? _("Checking which servers can take the VM…")
                                : _("Choose a server that can take the VM");
  if (!is_cross_pool (self) && ps != XAPI_VM_POWER_STATE_RUNNING)
    return _("Only a running VM can be migrated live");
  if (is_cross_pool (self) && ps != XAPI_VM_POWER_STATE_RUNNING && ps != XAPI_VM_POWER_STATE_HALTED)
    return _("Only a running or shut down VM can be migrated to another pool");
  if (self->page == PAGE_STORAGE)
    for (guint i = 0; i < self->disk_rows->len; i++)
      {
        MapRow *r = self->disk_rows->pdata[i];
        if (gtk_drop_down_get_selected (r->dropdown) == GTK_INVALID_LIST_POSITION)
          return _("Choose a storage repository for every disk");
      }
  if (self->page == PAGE_NETWORK)
    {
      for (guint i = 0; i < self->vif_rows->len; i++)
        {
          MapRow *r = self->vif_rows->pdata[i];
          if (gtk_drop_down_get_selected (r->dropdown) == GTK_INVALID_LIST_POSITION)
            return _("Choose a network for every network interface");
        }
      if (gtk_drop_down_get_selected (self->migration_network) == GTK_INVALID_LIST_POSITION)
        return _("Choose the network that carries the migration");
    }
  return NULL;
}

static void
update_buttons (XpMigrateWizard *self)
{
  const char *why = why_blocked (self);

  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), why == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), self->page < PAGE_PROGRESS);
  gtk_widget_set_sensitive (GTK_WIDGET (self->back_button), self->page > PAGE_HOST && self->page < PAGE_PROGRESS);
  gtk_label_set_text (self->hint_label, why != NULL && self->page < PAGE_PROGRESS ? why : "");
  gtk_button_set_label (self->next_button, self->page == PAGE_SUMMARY ? _("_Migrate") : _("_Next"));
  gtk_button_set_label (self->cancel_button,
                        self->page == PAGE_PROGRESS && !self->running ? _("_Close") : _("_Cancel"));
}

static const char *
pool_name (XapiConnection *conn)
{
  XapiCache *cache = xapi_connection_get_cache (conn);
  XapiObject *pool = xapi_cache_get_pool (cache);
  XapiObject *master = xapi_cache_get_master (cache);

  if (pool != NULL && XAPI_IS_POOL (pool) && *xapi_pool_get_name_label (XAPI_POOL (pool)) != '\0')
    return xapi_pool_get_name_label (XAPI_POOL (pool));
  if (master != NULL && XAPI_IS_HOST (master))
    return xapi_host_get_name_label (XAPI_HOST (master));
  return xapi_connection_get_uri (conn);
}

/* ---- mapping defaults on the destination ---- */

/* An SR that can hold disks and is plugged on @host. */
static gboolean
sr_usable_on (XapiConnection *conn,
              XapiSr         *sr,
              const char     *host_ref)
{
  XapiCache *cache = xapi_connection_get_cache (conn);
  const char * const *pbds = xapi_sr_get_pbds (sr);

  if (g_strcmp0 (xapi_sr_get_content_type (sr), "iso") == 0 || xapi_object_is_gone (XAPI_OBJECT (sr)))
    return FALSE;
  for (guint i = 0; pbds != NULL && pbds[i] != NULL; i++)
    {
      XapiPbd *pbd = xapi_cache_lookup_typed (cache, pbds[i], XAPI_TYPE_PBD);
      if (pbd != NULL && xapi_pbd_get_currently_attached (pbd) && g_strcmp0 (xapi_pbd_get_host (pbd), host_ref) == 0)
        return TRUE;
    }
  return FALSE;
}

/* SRs of @conn usable on @host, the pool's default first. */
static GPtrArray *
usable_srs (XapiConnection *conn,
            const char     *host_ref)
{
  XapiCache *cache = xapi_connection_get_cache (conn);
  GListModel *srs = xapi_cache_get_objects (cache, XAPI_TYPE_SR);
  XapiObject *pool = xapi_cache_get_pool (cache);
  const char *def = pool != NULL && XAPI_IS_POOL (pool) ? xapi_pool_get_default_sr (XAPI_POOL (pool)) : NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (srs); i++)
    {
      g_autoptr(XapiSr) sr = g_list_model_get_item (srs, i);

      if (!sr_usable_on (conn, sr, host_ref))
        continue;
      if (g_strcmp0 (xapi_object_get_ref (XAPI_OBJECT (sr)), def) == 0)
        g_ptr_array_insert (out, 0, g_object_ref (sr));
      else
        g_ptr_array_add (out, g_object_ref (sr));
    }
  return out;
}

/* The network of @host's management interface, or NULL. */
static const char *
management_network (XapiConnection *conn,
                    const char     *host_ref)
{
  XapiCache *cache = xapi_connection_get_cache (conn);
  XapiHost *host = xapi_cache_lookup_typed (cache, host_ref, XAPI_TYPE_HOST);
  const char * const *pifs = host != NULL ? xapi_host_get_pifs (host) : NULL;

  for (guint i = 0; pifs != NULL && pifs[i] != NULL; i++)
    {
      XapiPif *pif = xapi_cache_lookup_typed (cache, pifs[i], XAPI_TYPE_PIF);
      if (pif != NULL && xapi_pif_get_management (pif))
        return xapi_pif_get_network (pif);
    }
  return NULL;
}

/* The disks that move: VDIs of the VM's non-empty disk VBDs (CDs do not). */
static GPtrArray *
vm_disks (XpMigrateWizard *self)
{
  XapiCache *cache = xapi_connection_get_cache (self->conn);
  g_autoptr(GPtrArray) vbds = xapi_cache_follow_set (cache, XAPI_OBJECT (self->vm), "VBDs");
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < vbds->len; i++)
    {
      XapiVbd *vbd = vbds->pdata[i];
      XapiVdi *vdi;

      if (!XAPI_IS_VBD (vbd) || xapi_vbd_get_empty (vbd) || xapi_vbd_get_type_field (vbd) != XAPI_VBD_TYPE_DISK)
        continue;
      vdi = xapi_cache_lookup_typed (cache, xapi_vbd_get_vdi (vbd), XAPI_TYPE_VDI);
      if (vdi != NULL)
        g_ptr_array_add (out, g_object_ref (vdi));
    }
  return out;
}

static GPtrArray *
vm_vifs (XpMigrateWizard *self)
{
  XapiCache *cache = xapi_connection_get_cache (self->conn);
  GPtrArray *vifs = xapi_cache_follow_set (cache, XAPI_OBJECT (self->vm), "VIFs");
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < vifs->len; i++)
    if (XAPI_IS_VIF (vifs->pdata[i]))
      g_ptr_array_add (out, g_object_ref (vifs->pdata[i]));
  g_ptr_array_unref (vifs);
  return out;
}

/* Where a VIF goes by default: the network of the same name, else the
 * management network of @host. */
static const char *
default_network_for (XpMigrateWizard *self,
                     XapiConnection  *pool,
                     XapiVif         *vif,
                     const char      *host_ref)
{
  XapiCache *src = xapi_connection_get_cache (self->conn);
  XapiCache *dst = xapi_connection_get_cache (pool);
  XapiNetwork *net = xapi_cache_lookup_typed (src, xapi_vif_get_network (vif), XAPI_TYPE_NETWORK);
  GListModel *nets = xapi_cache_get_objects (dst, XAPI_TYPE_NETWORK);

  for (guint i = 0; net != NULL && i < g_list_model_get_n_items (nets); i++)
    {
      g_autoptr(XapiNetwork) n = g_list_model_get_item (nets, i);
      if (g_strcmp0 (xapi_network_get_name_label (n), xapi_network_get_name_label (net)) == 0)
        return xapi_object_get_ref (XAPI_OBJECT (n));
    }
  return management_network (pool, host_ref);
}

/* The default maps for a cross-pool check of @host; FALSE (and @reason)
 * when the destination has no SR for the disks. */
static gboolean
default_maps (XpMigrateWizard *self,
              XapiConnection  *pool,
              const char      *host_ref,
              GHashTable     **vdi_map,
              GHashTable     **vif_map,
              char           **reason)
{
  g_autoptr(GPtrArray) disks = vm_disks (self);
  g_autoptr(GPtrArray) vifs = vm_vifs (self);
  g_autoptr(GPtrArray) srs = usable_srs (pool, host_ref);

  if (disks->len > 0 && srs->len == 0)
    {
      *reason = g_strdup (_("No storage on this server can hold the VM’s disks"));
      return FALSE;
    }
  *vdi_map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  *vif_map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < disks->len; i++)
    g_hash_table_insert (*vdi_map, g_strdup (xapi_object_get_ref (disks->pdata[i])),
                         g_strdup (xapi_object_get_ref (srs->pdata[0])));
  for (guint i = 0; i < vifs->len; i++)
    {
      const char *net = default_network_for (self, pool, vifs->pdata[i], host_ref);
      g_hash_table_insert (*vif_map, g_strdup (xapi_object_get_ref (vifs->pdata[i])),
                           g_strdup (net != NULL ? net : "OpaqueRef:NULL"));
    }
  return TRUE;
}

/* ---- the mapping pages ---- */

static GtkDropDown *
add_map_row (XpMigrateWizard *self,
             GtkBox          *box,
             GPtrArray       *rows,
             const char      *ref,
             const char      *label_text,
             const char      *widget_name,
             GPtrArray       *choice_refs,   /* transfer full */
             const char     **choice_names,
             const char      *selected_ref)
{
  MapRow *r = g_new0 (MapRow, 1);
  GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new (label_text);
  guint sel = GTK_INVALID_LIST_POSITION;

  r->ref = g_strdup (ref);
  r->choices = choice_refs;
  r->dropdown = GTK_DROP_DOWN (xp_wizard_named (gtk_drop_down_new_from_strings (choice_names), widget_name));
  for (guint i = 0; i < choice_refs->len; i++)
    if (g_strcmp0 (choice_refs->pdata[i], selected_ref) == 0)
      sel = i;
  gtk_drop_down_set_selected (r->dropdown, sel);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_accessible_update_property (GTK_ACCESSIBLE (r->dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL, label_text, -1);
  g_object_set_data_full (G_OBJECT (r->dropdown), "source-ref", g_strdup (ref), g_free);
  gtk_box_append (GTK_BOX (line), label);
  gtk_box_append (GTK_BOX (line), GTK_WIDGET (r->dropdown));
  gtk_box_append (box, line);
  g_signal_connect_swapped (r->dropdown, "notify::selected", G_CALLBACK (update_buttons), self);
  g_ptr_array_add (rows, r);
  return r->dropdown;
}

static void
clear_box (GtkBox *box)
{
  GtkWidget *c;

  while ((c = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_box_remove (box, c);
}

static void
fill_storage_page (XpMigrateWizard *self)
{
  const char *host_ref = xapi_object_get_ref (XAPI_OBJECT (selected_host (self)));
  g_autoptr(GPtrArray) disks = vm_disks (self);
  g_autoptr(GPtrArray) srs = usable_srs (self->dest, host_ref);

  clear_box (self->storage_box);
  g_ptr_array_set_size (self->disk_rows, 0);
  if (disks->len == 0)
    {
      GtkWidget *l = gtk_label_new (_("The VM has no disks to move."));
      gtk_label_set_xalign (GTK_LABEL (l), 0);
      gtk_box_append (self->storage_box, l);
    }
  for (guint i = 0; i < disks->len; i++)
    {
      XapiVdi *vdi = disks->pdata[i];
      GPtrArray *refs = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *size = g_format_size_full (xapi_vdi_get_virtual_size (vdi), G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *text = g_strdup_printf (_("%s (%s)"), xapi_vdi_get_name_label (vdi), size);

      for (guint j = 0; j < srs->len; j++)
        {
          XapiSr *sr = srs->pdata[j];
          g_autofree char *free_text = g_format_size_full (xapi_sr_get_physical_size (sr)
                                                           - xapi_sr_get_physical_utilisation (sr),
                                                           G_FORMAT_SIZE_IEC_UNITS);
          g_ptr_array_add (refs, g_strdup (xapi_object_get_ref (XAPI_OBJECT (sr))));
          /* TRANSLATORS: an SR in the storage mapping, "NFS VM storage (120 GiB free)" */
          g_ptr_array_add (names, g_strdup_printf (_("%s (%s free)"), xapi_sr_get_name_label (sr), free_text));
        }
      g_ptr_array_add (names, NULL);
      add_map_row (self, self->storage_box, self->disk_rows, xapi_object_get_ref (XAPI_OBJECT (vdi)), text,
                   "sr-dropdown", refs, (const char **) names->pdata, refs->len > 0 ? refs->pdata[0] : NULL);
    }
}

static void
fill_network_page (XpMigrateWizard *self)
{
  const char *host_ref = xapi_object_get_ref (XAPI_OBJECT (selected_host (self)));
  XapiCache *dst = xapi_connection_get_cache (self->dest);
  g_autoptr(GPtrArray) vifs = vm_vifs (self);
  GListModel *nets = xapi_cache_get_objects (dst, XAPI_TYPE_NETWORK);
  g_autoptr(GPtrArray) net_refs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) net_names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) mig_names = g_ptr_array_new_with_free_func (g_free);
  const char *mgmt = management_network (self->dest, host_ref);
  guint mig_sel = GTK_INVALID_LIST_POSITION;
  GtkStringList *mig_model;

  clear_box (self->network_box);
  g_ptr_array_set_size (self->vif_rows, 0);
  g_ptr_array_set_size (self->migration_nets, 0);
  for (guint i = 0; i < g_list_model_get_n_items (nets); i++)
    {
      g_autoptr(XapiNetwork) n = g_list_model_get_item (nets, i);
      const char * const *pifs = xapi_network_get_pifs (n);

      if (xapi_object_is_gone (XAPI_OBJECT (n)))
        continue;
      g_ptr_array_add (net_refs, g_strdup (xapi_object_get_ref (XAPI_OBJECT (n))));
      g_ptr_array_add (net_names, g_strdup (xapi_network_get_name_label (n)));
      /* the migration stream needs an address on the destination server */
      for (guint j = 0; pifs != NULL && pifs[j] != NULL; j++)
        {
          XapiPif *pif = xapi_cache_lookup_typed (dst, pifs[j], XAPI_TYPE_PIF);
          if (pif != NULL && g_strcmp0 (xapi_pif_get_host (pif), host_ref) == 0 && *xapi_pif_get_ip (pif) != '\0')
            {
              if (g_strcmp0 (xapi_object_get_ref (XAPI_OBJECT (n)), mgmt) == 0)
                mig_sel = self->migration_nets->len;
              g_ptr_array_add (self->migration_nets, g_strdup (xapi_object_get_ref (XAPI_OBJECT (n))));
              g_ptr_array_add (mig_names, g_strdup (xapi_network_get_name_label (n)));
              break;
            }
        }
    }
  g_ptr_array_add (net_names, NULL);
  g_ptr_array_add (mig_names, NULL);
  for (guint i = 0; i < vifs->len; i++)
    {
      XapiVif *vif = vifs->pdata[i];
      XapiNetwork *from = xapi_cache_lookup_typed (xapi_connection_get_cache (self->conn), xapi_vif_get_network (vif),
                                                   XAPI_TYPE_NETWORK);
      GPtrArray *refs = g_ptr_array_new_with_free_func (g_free);
      /* TRANSLATORS: a network interface in the network mapping, "Interface 0 (Pool-wide network, 6a:…)" */
      g_autofree char *text = g_strdup_printf (_("Interface %s (%s, %s)"), xapi_vif_get_device (vif),
                                               from != NULL ? xapi_network_get_name_label (from) : "",
                                               xapi_vif_get_mac (vif));

      for (guint j = 0; j < net_refs->len; j++)
        g_ptr_array_add (refs, g_strdup (net_refs->pdata[j]));
      add_map_row (self, self->network_box, self->vif_rows, xapi_object_get_ref (XAPI_OBJECT (vif)), text,
                   "network-dropdown", refs, (const char **) net_names->pdata,
                   default_network_for (self, self->dest, vif, host_ref));
    }
  if (vifs->len == 0)
    {
      GtkWidget *l = gtk_label_new (_("The VM has no network interfaces."));
      gtk_label_set_xalign (GTK_LABEL (l), 0);
      gtk_box_append (self->network_box, l);
    }
  mig_model = gtk_string_list_new ((const char * const *) mig_names->pdata);
  gtk_drop_down_set_model (self->migration_network, G_LIST_MODEL (mig_model));
  g_object_unref (mig_model);
  gtk_drop_down_set_selected (self->migration_network, mig_sel != GTK_INVALID_LIST_POSITION ? mig_sel
                              : self->migration_nets->len > 0 ? 0 : GTK_INVALID_LIST_POSITION);
}

static GHashTable *
map_from_rows (GPtrArray *rows)
{
  GHashTable *map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; i < rows->len; i++)
    {
      MapRow *r = rows->pdata[i];
      guint sel = gtk_drop_down_get_selected (r->dropdown);
      if (sel < r->choices->len)
        g_hash_table_insert (map, g_strdup (r->ref), g_strdup (r->choices->pdata[sel]));
    }
  return map;
}

static void
show_page (XpMigrateWizard *self,
           int              page)
{
  self->page = page;
  if (page == PAGE_STORAGE)
    fill_storage_page (self);
  else if (page == PAGE_NETWORK)
    fill_network_page (self);
  else if (page == PAGE_SUMMARY)
    {
      g_autofree char *text = NULL;
      XapiHost *host = selected_host (self);
      const char *host_name = host != NULL ? xapi_host_get_name_label (host) : "";

      if (!is_cross_pool (self))
        text = g_strdup_printf (_("“%s” will be moved while it runs to the server “%s”."),
                                xapi_vm_get_name_label (self->vm), host_name);
      else if (xapi_vm_get_power_state (self->vm) == XAPI_VM_POWER_STATE_RUNNING)
        text = g_strdup_printf (_("“%s” will be moved while it runs to the server “%s” of the pool “%s”, "
                                  "with its disks (%u) and network interfaces (%u)."),
                                xapi_vm_get_name_label (self->vm), host_name, pool_name (self->dest),
                                self->disk_rows->len, self->vif_rows->len);
      else
        text = g_strdup_printf (_("“%s” will be moved to the server “%s” of the pool “%s”, "
                                  "with its disks (%u) and network interfaces (%u)."),
                                xapi_vm_get_name_label (self->vm), host_name, pool_name (self->dest),
                                self->disk_rows->len, self->vif_rows->len);
      gtk_label_set_text (self->summary_label, text);
    }
  gtk_stack_set_visible_child_name (self->stack, page_names[page]);
  update_buttons (self);
}

/* ---- the host list ---- */

static void
set_row_reason (GtkListBoxRow *row,
                const char    *reason)
{
  GtkLabel *label = g_object_get_data (G_OBJECT (row), "reason");
  XapiHost *host = g_object_get_data (G_OBJECT (row), "host");
  g_autofree char *a11y = NULL;

  gtk_label_set_text (label, reason != NULL ? reason : _("Can take the VM"));
  gtk_list_box_row_set_selectable (row, reason == NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (row), reason == NULL);
  /* TRANSLATORS: accessible name of a destination server: "server (pool): why" */
  a11y = g_strdup_printf (_("%s (%s): %s"), xapi_host_get_name_label (host), pool_name (row_pool (row)),
                          gtk_label_get_text (label));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
}

/* The preconditions that the destination's cache can answer. */
static char *
local_reason (XpMigrateWizard *self,
              XapiConnection  *pool,
              XapiHost        *host)
{
  XapiCache *cache = xapi_connection_get_cache (pool);
  XapiObject *metrics = xapi_cache_follow (cache, XAPI_OBJECT (host), "metrics");
  const char *ref = xapi_object_get_ref (XAPI_OBJECT (host));
  gboolean needs_memory = xapi_vm_get_power_state (self->vm) != XAPI_VM_POWER_STATE_HALTED;

  if (pool == self->conn && g_strcmp0 (ref, xapi_vm_get_resident_on (self->vm)) == 0)
    return g_strdup (_("The VM is running on this server"));
  if (pool == self->conn && xapi_vm_get_power_state (self->vm) != XAPI_VM_POWER_STATE_RUNNING)
    return g_strdup (_("Only a running VM can be migrated live"));
  if (!xapi_host_get_enabled (host))
    return g_strdup (_("The server is disabled (maintenance mode)"));
  if (metrics != NULL && XAPI_IS_HOST_METRICS (metrics))
    {
      XapiHostMetrics *m = XAPI_HOST_METRICS (metrics);

      if (!xapi_host_metrics_get_live (m))
        return g_strdup (_("The server is not reachable"));
      if (needs_memory && xapi_host_metrics_get_memory_free (m) < xapi_vm_get_memory_static_max (self->vm))
        {
          g_autofree char *need = g_format_size_full (xapi_vm_get_memory_static_max (self->vm), G_FORMAT_SIZE_IEC_UNITS);
          g_autofree char *have = g_format_size_full (xapi_host_metrics_get_memory_free (m), G_FORMAT_SIZE_IEC_UNITS);
          return g_strdup_printf (_("Not enough free memory: the VM needs %s, the server has %s"), need, have);
        }
    }
  return NULL;
}

typedef struct {
  XpMigrateWizard *self;
  GtkListBoxRow   *row;
  guint            generation;
  GHashTable      *vdi_map;
  GHashTable      *vif_map;
} Check;

static void
check_done (Check      *check,
            GError     *error,
            const char *reason_in)
{
  XpMigrateWizard *self = check->self;

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && check->generation == self->generation)
    {
      g_autofree char *reason = error != NULL ? xapi_error_describe (error, TRUE) : g_strdup (reason_in);

      set_row_reason (check->row, reason);
      self->n_checking--;
      if (self->preset_host != NULL && reason == NULL
          && g_strcmp0 (xapi_object_get_ref (g_object_get_data (G_OBJECT (check->row), "host")), self->preset_host) == 0)
        gtk_list_box_select_row (self->host_list, check->row);
      update_buttons (self);
    }
  g_clear_pointer (&check->vdi_map, g_hash_table_unref);
  g_clear_pointer (&check->vif_map, g_hash_table_unref);
  g_object_unref (check->row);
  g_object_unref (self);
  g_free (check);
}

static void
on_can_boot_here (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(GError) error = NULL;

  xapi_vm_assert_can_boot_here_finish (XAPI_CONNECTION (source), result, &error);
  check_done (data, error, NULL);
}

static void
on_can_migrate (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(GError) error = NULL;

  xapi_vm_assert_can_migrate_finish (XAPI_CONNECTION (source), result, &error);
  check_done (data, error, NULL);
}

static void
on_check_token (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Check *check = data;
  XpMigrateWizard *self = check->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) token = xapi_host_migrate_receive_finish (XAPI_CONNECTION (source), result, &error);
  g_autoptr(GHashTable) options = g_hash_table_new (g_str_hash, g_str_equal);

  if (token == NULL)
    {
      check_done (check, error, NULL);
      return;
    }
  xapi_vm_assert_can_migrate_async (self->conn, self->vm_ref, token,
                                    xapi_vm_get_power_state (self->vm) == XAPI_VM_POWER_STATE_RUNNING,
                                    check->vdi_map, check->vif_map, options, self->cancellable,
                                    on_can_migrate, check);
}

static void
check_host (XpMigrateWizard *self,
            GtkListBoxRow   *row,
            XapiConnection  *pool,
            XapiHost        *host)
{
  Check *check = g_new0 (Check, 1);
  const char *host_ref = xapi_object_get_ref (XAPI_OBJECT (host));

  /* not selectable until the server said yes */
  gtk_list_box_row_set_selectable (row, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (row), FALSE);
  check->self = g_object_ref (self);
  check->row = g_object_ref (row);
  check->generation = self->generation;
  self->n_checking++;
  if (pool == self->conn)
    {
      xapi_vm_assert_can_boot_here_async (self->conn, self->vm_ref, host_ref, self->cancellable,
                                          on_can_boot_here, check);
      return;
    }
  {
    g_autofree char *reason = NULL;
    g_autoptr(GHashTable) options = g_hash_table_new (g_str_hash, g_str_equal);
    const char *net = management_network (pool, host_ref);

    if (!default_maps (self, pool, host_ref, &check->vdi_map, &check->vif_map, &reason))
      {
        check_done (check, NULL, reason);
        return;
      }
    if (net == NULL)
      {
        check_done (check, NULL, _("The server has no management network"));
        return;
      }
    xapi_host_migrate_receive_async (pool, host_ref, net, options, self->cancellable, on_check_token, check);
  }
}

/* A heading above the first server of each pool. */
static void
pool_header (GtkListBoxRow *row,
             GtkListBoxRow *before,
             gpointer       data)
{
  XapiConnection *pool = row_pool (row);
  GtkWidget *header;

  if (before != NULL && row_pool (before) == pool)
    {
      gtk_list_box_row_set_header (row, NULL);
      return;
    }
  header = gtk_label_new (pool_name (pool));
  gtk_label_set_xalign (GTK_LABEL (header), 0);
  gtk_widget_add_css_class (header, "heading");
  gtk_widget_set_margin_top (header, 8);
  gtk_widget_set_margin_start (header, 6);
  gtk_list_box_row_set_header (row, header);
}

static void
fill_hosts (XpMigrateWizard *self)
{
  GtkWidget *child;

  self->generation++;
  self->n_checking = 0;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->host_list))) != NULL)
    gtk_list_box_remove (self->host_list, child);

  for (guint p = 0; p < self->pools->len; p++)
    {
      XapiConnection *pool = self->pools->pdata[p];
      GListModel *hosts = xapi_cache_get_objects (xapi_connection_get_cache (pool), XAPI_TYPE_HOST);

      for (guint i = 0; i < g_list_model_get_n_items (hosts); i++)
        {
          g_autoptr(XapiHost) host = g_list_model_get_item (hosts, i);
          g_autofree char *reason = NULL;
          GtkWidget *row, *box, *name, *why;

          if (xapi_object_is_gone (XAPI_OBJECT (host)))
            continue;
          box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
          gtk_widget_set_margin_top (box, 4);
          gtk_widget_set_margin_bottom (box, 4);
          name = gtk_label_new (xapi_host_get_name_label (host));
          gtk_label_set_xalign (GTK_LABEL (name), 0);
          why = gtk_label_new (_("Checking…"));
          gtk_label_set_xalign (GTK_LABEL (why), 0);
          gtk_label_set_wrap (GTK_LABEL (why), TRUE);
          gtk_widget_add_css_class (why, "dim-label");
          gtk_widget_set_name (why, "host-reason");
          gtk_box_append (GTK_BOX (box), name);
          gtk_box_append (GTK_BOX (box), why);
          row = gtk_list_box_row_new ();
          gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
          g_object_set_data_full (G_OBJECT (row), "host", g_object_ref (host), g_object_unref);
          g_object_set_data (G_OBJECT (row), "reason", why);
          gtk_list_box_append (self->host_list, row);

          reason = local_reason (self, pool, host);
          if (reason != NULL)
            set_row_reason (GTK_LIST_BOX_ROW (row), reason);
          else
            check_host (self, GTK_LIST_BOX_ROW (row), pool, host);
        }
    }
  update_buttons (self);
}

static void
on_host_selected (XpMigrateWizard *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->host_list);

  self->dest = row != NULL ? row_pool (row) : self->conn;
  update_buttons (self);
}

/* ---- migration ---- */

static void
finish (XpMigrateWizard *self,
        GError          *error)
{
  g_autofree char *text = NULL;
  XapiHost *host = selected_host (self);

  self->running = FALSE;
  if (self->task != NULL)
    g_clear_signal_handler (&self->progress_id, self->task);
  if (error == NULL && is_cross_pool (self))
    text = g_strdup_printf (_("“%s” is now in the pool “%s”, on “%s”."), xapi_vm_get_name_label (self->vm),
                            pool_name (self->dest), host != NULL ? xapi_host_get_name_label (host) : "");
  else if (error == NULL)
    text = g_strdup_printf (_("“%s” now runs on “%s”."), xapi_vm_get_name_label (self->vm),
                            host != NULL ? xapi_host_get_name_label (host) : "");
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
           || g_strcmp0 (xapi_error_get_code_string (error), "TASK_CANCELLED") == 0)
    text = g_strdup (_("The migration was cancelled; the VM stays where it was."));
  else
    {
      g_autofree char *why = xapi_error_describe (error, TRUE);
      text = g_strdup_printf (_("The migration failed: %s The VM stays where it was."), why);
    }
  gtk_progress_bar_set_fraction (self->progress, error == NULL ? 1.0 : 0.0);
  gtk_label_set_text (self->status_label, text);
  update_buttons (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, error == NULL ? self->target_ref : NULL,
                 error != NULL ? text : NULL);
  g_object_unref (self);  /* taken in start_migration () */
}

static void
on_task_progress (XpMigrateWizard *self)
{
  gtk_progress_bar_set_fraction (self->progress, CLAMP (xapi_task_get_progress (self->task), 0.0, 1.0));
}

static void
on_task_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  XpMigrateWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_task_wait_finish (XAPI_TASK (source), result, &error);

  if (node != NULL)
    {
      g_free (self->result_ref);
      self->result_ref = xapi_task_result_dup_ref (node);
    }
  finish (self, error);
}

static void
follow_task (XpMigrateWizard *self,
             XapiTask        *task)
{
  self->task = task;
  self->progress_id = g_signal_connect_swapped (task, "notify::progress", G_CALLBACK (on_task_progress), self);
  xapi_task_wait_async (task, TRUE, self->cancellable, on_task_done, self);
}

static void
on_task_created (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  XpMigrateWizard *self = data;
  g_autoptr(GError) error = NULL;
  XapiTask *task = xapi_vm_pool_migrate_as_task_finish (self->conn, result, &error);

  if (task == NULL)
    {
      finish (self, error);
      return;
    }
  follow_task (self, task);
}

/* cross-pool: migrate_receive -> assert_can_migrate -> migrate_send */
typedef struct {
  XpMigrateWizard *self;
  GHashTable      *token;
  GHashTable      *vdi_map;
  GHashTable      *vif_map;
} Send;

static void
send_free (Send *send)
{
  g_clear_pointer (&send->token, g_hash_table_unref);
  g_clear_pointer (&send->vdi_map, g_hash_table_unref);
  g_clear_pointer (&send->vif_map, g_hash_table_unref);
  g_free (send);
}

static void
on_send_task (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  XpMigrateWizard *self = data;
  g_autoptr(GError) error = NULL;
  XapiTask *task = xapi_vm_migrate_send_as_task_finish (self->conn, result, &error);

  if (task == NULL)
    {
      finish (self, error);
      return;
    }
  gtk_label_set_text (self->status_label, _("Moving the VM and its disks…"));
  follow_task (self, task);
}

static gboolean
vm_is_live (XpMigrateWizard *self)
{
  return xapi_vm_get_power_state (self->vm) == XAPI_VM_POWER_STATE_RUNNING;
}

static void
on_send_checked (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Send *send = data;
  XpMigrateWizard *self = send->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) options = g_hash_table_new (g_str_hash, g_str_equal);

  if (!xapi_vm_assert_can_migrate_finish (XAPI_CONNECTION (source), result, &error))
    {
      send_free (send);
      finish (self, error);
      return;
    }
  xapi_vm_migrate_send_as_task_async (self->conn, self->vm_ref, send->token, vm_is_live (self), send->vdi_map,
                                      send->vif_map, options, self->cancellable, on_send_task, self);
  send_free (send);
}

static void
on_send_token (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Send *send = data;
  XpMigrateWizard *self = send->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) options = g_hash_table_new (g_str_hash, g_str_equal);

  send->token = xapi_host_migrate_receive_finish (XAPI_CONNECTION (source), result, &error);
  if (send->token == NULL)
    {
      send_free (send);
      finish (self, error);
      return;
    }
  gtk_label_set_text (self->status_label, _("Checking the destination…"));
  xapi_vm_assert_can_migrate_async (self->conn, self->vm_ref, send->token, vm_is_live (self), send->vdi_map,
                                    send->vif_map, options, self->cancellable, on_send_checked, send);
}

static void
start_migration (XpMigrateWizard *self)
{
  XapiHost *host = selected_host (self);

  g_free (self->target_ref);
  self->target_ref = g_strdup (xapi_object_get_ref (XAPI_OBJECT (host)));
  self->running = TRUE;
  g_object_ref (self);  /* released in finish () */
  show_page (self, PAGE_PROGRESS);
  gtk_progress_bar_set_fraction (self->progress, 0.0);
  if (!is_cross_pool (self))
    {
      g_autoptr(GHashTable) options = g_hash_table_new (g_str_hash, g_str_equal);

      g_hash_table_insert (options, (gpointer) "live", (gpointer) "true");
      gtk_label_set_text (self->status_label, _("Migrating…"));
      xapi_vm_pool_migrate_as_task_async (self->conn, self->vm_ref, self->target_ref, options,
                                          self->cancellable, on_task_created, self);
    }
  else
    {
      Send *send = g_new0 (Send, 1);
      guint i = gtk_drop_down_get_selected (self->migration_network);
      g_autoptr(GHashTable) options = g_hash_table_new (g_str_hash, g_str_equal);

      send->self = self;
      send->vdi_map = map_from_rows (self->disk_rows);
      send->vif_map = map_from_rows (self->vif_rows);
      gtk_label_set_text (self->status_label, _("Preparing the destination server…"));
      xapi_host_migrate_receive_async (self->dest, self->target_ref, self->migration_nets->pdata[i], options,
                                       self->cancellable, on_send_token, send);
    }
}

static void
cancel_migration (XpMigrateWizard *self)
{
  if (self->task != NULL)
    xapi_task_cancel_async (self->conn, xapi_object_get_ref (XAPI_OBJECT (self->task)), NULL, NULL, NULL);
  else
    g_cancellable_cancel (self->cancellable);
  gtk_label_set_text (self->status_label, _("Cancelling…"));
}

static void
on_next (XpMigrateWizard *self)
{
  if (why_blocked (self) != NULL)
    return;
  if (self->page == PAGE_SUMMARY)
    start_migration (self);
  else if (self->page == PAGE_HOST && !is_cross_pool (self))
    show_page (self, PAGE_SUMMARY);
  else
    show_page (self, self->page + 1);
}

static void
on_back (XpMigrateWizard *self)
{
  if (self->page == PAGE_SUMMARY && !is_cross_pool (self))
    show_page (self, PAGE_HOST);
  else if (self->page > PAGE_HOST && self->page < PAGE_PROGRESS)
    show_page (self, self->page - 1);
}

static void
on_cancel (XpMigrateWizard *self)
{
  if (self->running)
    cancel_migration (self);
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
  XpMigrateWizard *self = XP_MIGRATE_WIZARD (window);

  if (self->running)
    {
      cancel_migration (self);
      return TRUE;
    }
  return FALSE;
}

/* ---- construction ---- */

static void
xp_migrate_wizard_dispose (GObject *object)
{
  XpMigrateWizard *self = XP_MIGRATE_WIZARD (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (xp_migrate_wizard_parent_class)->dispose (object);
}

static void
xp_migrate_wizard_finalize (GObject *object)
{
  XpMigrateWizard *self = XP_MIGRATE_WIZARD (object);

  if (self->task != NULL)
    g_clear_signal_handler (&self->progress_id, self->task);
  g_clear_object (&self->task);
  g_clear_object (&self->conn);
  g_clear_object (&self->vm);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->pools, g_ptr_array_unref);
  g_clear_pointer (&self->disk_rows, g_ptr_array_unref);
  g_clear_pointer (&self->vif_rows, g_ptr_array_unref);
  g_clear_pointer (&self->migration_nets, g_ptr_array_unref);
  g_clear_pointer (&self->vm_ref, g_free);
  g_clear_pointer (&self->target_ref, g_free);
  g_clear_pointer (&self->result_ref, g_free);
  g_clear_pointer (&self->preset_host, g_free);
  G_OBJECT_CLASS (xp_migrate_wizard_parent_class)->finalize (object);
}

static void
xp_migrate_wizard_class_init (XpMigrateWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xp_migrate_wizard_dispose;
  object_class->finalize = xp_migrate_wizard_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = on_close_request;

  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                           G_TYPE_STRING, G_TYPE_STRING);
}

static void
xp_migrate_wizard_init (XpMigrateWizard *self)
{
  self->cancellable = g_cancellable_new ();
  self->pools = g_ptr_array_new_with_free_func (g_object_unref);
  self->disk_rows = g_ptr_array_new_with_free_func (map_row_free);
  self->vif_rows = g_ptr_array_new_with_free_func (map_row_free);
  self->migration_nets = g_ptr_array_new_with_free_func (g_free);
}

GtkWindow *
xp_migrate_wizard_new (GtkWindow *parent,
                       XapiVm    *vm)
{
  return xp_migrate_wizard_new_full (parent, vm, NULL, NULL);
}

GtkWindow *
xp_migrate_wizard_new_full (GtkWindow  *parent,
                            XapiVm     *vm,
                            GListModel *connections,
                            XapiHost   *target)
{
  XpMigrateWizard *self;
  GtkWidget *outer, *box, *scroller;
  g_autofree char *title = NULL;

  g_return_val_if_fail (XAPI_IS_VM (vm), NULL);

  title = g_strdup_printf (_("Migrate “%s”"), xapi_vm_get_name_label (vm));
  self = g_object_new (XP_TYPE_MIGRATE_WIZARD,
                       "title", title,
                       "transient-for", parent,
                       "default-width", 560,
                       "default-height", 460,
                       NULL);
  self->vm = g_object_ref (vm);
  self->vm_ref = g_strdup (xapi_object_get_ref (XAPI_OBJECT (vm)));
  self->conn = g_object_ref (xapi_object_get_connection (XAPI_OBJECT (vm)));
  self->dest = self->conn;

  /* the VM's pool first, then the other connected pools */
  g_ptr_array_add (self->pools, g_object_ref (self->conn));
  for (guint i = 0; connections != NULL && i < g_list_model_get_n_items (connections); i++)
    {
      g_autoptr(XapiConnection) c = g_list_model_get_item (connections, i);

      if (c != self->conn && xapi_connection_get_state (c) == XAPI_CONNECTION_STATE_CONNECTED)
        g_ptr_array_add (self->pools, g_object_ref (c));
    }
  if (target != NULL)
    self->preset_host = g_strdup (xapi_object_get_ref (XAPI_OBJECT (target)));

  outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (outer), GTK_WIDGET (self->stack));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_HOST], _("Destination server"));
  self->host_list = GTK_LIST_BOX (xp_wizard_named (gtk_list_box_new (), "host-list"));
  gtk_list_box_set_header_func (self->host_list, pool_header, NULL, NULL);
  scroller = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->host_list));
  xp_wizard_labelled (box, _("_Servers of the connected pools"), scroller);
  gtk_label_set_mnemonic_widget (GTK_LABEL (gtk_widget_get_prev_sibling (scroller)), GTK_WIDGET (self->host_list));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_STORAGE], _("Storage"));
  {
    GtkWidget *l = gtk_label_new (_("Choose the storage repository of the destination pool for each disk."));
    gtk_label_set_wrap (GTK_LABEL (l), TRUE);
    gtk_label_set_xalign (GTK_LABEL (l), 0);
    gtk_box_append (GTK_BOX (box), l);
  }
  self->storage_box = GTK_BOX (xp_wizard_named (gtk_box_new (GTK_ORIENTATION_VERTICAL, 6), "storage-box"));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->storage_box));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_NETWORK], _("Networking"));
  {
    GtkWidget *l = gtk_label_new (_("Choose the network of the destination pool for each network interface."));
    gtk_label_set_wrap (GTK_LABEL (l), TRUE);
    gtk_label_set_xalign (GTK_LABEL (l), 0);
    gtk_box_append (GTK_BOX (box), l);
  }
  self->network_box = GTK_BOX (xp_wizard_named (gtk_box_new (GTK_ORIENTATION_VERTICAL, 6), "network-box"));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->network_box));
  self->migration_network = GTK_DROP_DOWN (xp_wizard_labelled (box, _("_Migration network"),
                                                               xp_wizard_named (gtk_drop_down_new (NULL, NULL),
                                                                                "migration-network")));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->migration_network), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Migration network"), -1);
  g_signal_connect_swapped (self->migration_network, "notify::selected", G_CALLBACK (update_buttons), self);

  box = xp_wizard_page_box (self->stack, page_names[PAGE_SUMMARY], _("Summary"));
  self->summary_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "summary-label"));
  gtk_label_set_wrap (self->summary_label, TRUE);
  gtk_label_set_xalign (self->summary_label, 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->summary_label));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_PROGRESS], _("Migrating"));
  self->status_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "status-label"));
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_xalign (self->status_label, 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->status_label));
  self->progress = GTK_PROGRESS_BAR (xp_wizard_named (gtk_progress_bar_new (), "progress"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Progress"), -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->progress));

  gtk_box_append (GTK_BOX (outer),
                  xp_wizard_button_bar (GTK_WINDOW (self), &self->hint_label, &self->cancel_button,
                                        &self->back_button, &self->next_button, G_CALLBACK (on_next),
                                        G_CALLBACK (on_back), G_CALLBACK (on_cancel), on_escape));
  gtk_window_set_child (GTK_WINDOW (self), outer);

  g_signal_connect_swapped (self->host_list, "selected-rows-changed", G_CALLBACK (on_host_selected), self);

  self->page = PAGE_HOST;
  fill_hosts (self);
  return GTK_WINDOW (self);
}

const char *
xp_migrate_wizard_get_result_ref (XpMigrateWizard *self)
{
  g_return_val_if_fail (XP_IS_MIGRATE_WIZARD (self), NULL);
  return self->result_ref;
}

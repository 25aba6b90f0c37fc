/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The New VM wizard.  Pages: template, name, installation media (for
 * templates that install an OS: other_config:install-methods or a default
 * template), disks (the template's provision spec, other_config:disks:
 * size and SR per disk, add/remove), vCPUs and memory, summary.
 * Creation, as XenCenter does it: VM.clone of the template,
 * set_name_description, the home server (VM.set_affinity), the provision
 * spec rewritten from the disks page, VM.provision, the clone's VIFs
 * replaced by the list of the hardware page (devices 0, 1, 2… in order), a
 * CD drive with the ISO (or empty), the boot order for a network boot,
 * platform:cores-per-socket, vCPUs, the memory fields one by one (static
 * max = dynamic max, dynamic min), optional VM.start.  On failure or
 * cancel the new VM and the disks that came with it are destroyed again. */

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "xp-new-vm-wizard.h"
#include "xp-wizard-util.h"
#include "xapi-cache.h"

#define MIB ((gint64) 1024 * 1024)

enum { PAGE_TEMPLATE, PAGE_NAME, PAGE_MEDIA, PAGE_DISKS, PAGE_HARDWARE, PAGE_SUMMARY, PAGE_PROGRESS, N_PAGES };
static const char *page_names[N_PAGES] = { "template", "name", "media", "disks", "hardware", "summary", "progress" };

#define GIB ((gint64) 1024 * 1024 * 1024)

/* A disk of the provision spec, as the disks page edits it. */
typedef struct {
  char          *device;
  gboolean       bootable;
  char          *type;
  GtkWidget     *line;
  GtkSpinButton *size;     /* GiB */
  GtkDropDown   *sr;       /* parallel to sr_refs */
} DiskRow;

/* A network interface of the hardware page: device = its position. */
typedef struct {
  GtkWidget   *line;
  GtkLabel    *label;
  GtkDropDown *network;    /* parallel to network_refs */
  GtkWidget   *remove;
} VifRow;

static void
vif_row_free (gpointer p)
{
  g_free (p);
}

static void
disk_row_free (gpointer p)
{
  DiskRow *d = p;

  g_free (d->device);
  g_free (d->type);
  g_free (d);
}

struct _XpNewVmWizard
{
  GtkWindow       parent_instance;

  XapiConnection *conn;
  XapiVm         *preselected;
  int             page;

  GtkStack       *stack;
  GtkSearchEntry *search;
  GtkListBox     *template_list;
  GtkEntry       *name_entry;
  GtkEntry       *description_entry;
  GtkSpinButton  *vcpus_spin;
  GtkSpinButton  *cores_spin;
  GtkSpinButton  *memory_spin;
  GtkSpinButton  *memory_min_spin;
  GtkLabel       *memory_hint;
  GtkDropDown    *home_dropdown;
  GPtrArray      *host_refs;      /* parallel to home_dropdown; [0] = none */
  GtkBox         *vifs_box;
  GtkWidget      *add_vif_button;
  GPtrArray      *vifs;           /* VifRow, in device order */
  GPtrArray      *network_refs;   /* parallel to every VIF's dropdown */
  GtkStringList  *network_names;
  GtkCheckButton *media_iso;
  GtkCheckButton *media_network;
  GtkCheckButton *media_none;
  GtkDropDown    *iso_dropdown;
  GPtrArray      *iso_refs;       /* parallel to iso_dropdown */
  GtkBox         *disks_box;
  GtkLabel       *own_disks_label;
  GPtrArray      *disks;          /* DiskRow */
  GPtrArray      *sr_refs;        /* SRs for disks, parallel to every disk's dropdown */
  GPtrArray      *sr_uuids;
  GtkStringList  *sr_names;
  XapiVm         *disks_for;      /* the template the disks page was filled from */
  GtkLabel       *summary_label;
  GtkCheckButton *start_check;
  GtkLabel       *status_label;
  GtkProgressBar *progress;
  GtkLabel       *hint_label;
  GtkButton      *back_button;
  GtkButton      *next_button;
  GtkButton      *cancel_button;

  /* creation */
  GCancellable   *cancellable;
  gboolean        running;
  int             step;
  char           *vm_ref;
  GPtrArray      *rollback_vbds;  /* VBD refs to inspect */
  GPtrArray      *rollback_vdis;  /* VDI refs to destroy */
  GPtrArray      *old_vifs;       /* the clone's VIFs, replaced by the chosen networks */
  guint           vif_done;       /* VIFs of the list created so far */
  gboolean        boot_order_set; /* the old "order" is removed */
  char           *failure;
  char           *done_text;
};

G_DEFINE_FINAL_TYPE (XpNewVmWizard, xp_new_vm_wizard, GTK_TYPE_WINDOW)

enum { SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static XapiVm *
selected_template (XpNewVmWizard *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->template_list);

  return row != NULL ? g_object_get_data (G_OBJECT (row), "vm") : NULL;
}

/* The value of a spin button as typed so far (its value is only updated
 * when the text is activated or loses the focus), -1 if not a number. */
static gint64
spin_typed (GtkSpinButton *spin)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  g_autofree char *copy = g_strstrip (g_strdup (text != NULL ? text : ""));
  char *end = NULL;
  gint64 v;

  if (*copy == '\0')
    return -1;
  v = g_ascii_strtoll (copy, &end, 10);
  if (end == copy || *end != '\0')
    return -1;
  return v;
}

/* The template's recommendations: <restriction field="memory-static-max"
 * max="…"/>; 0 when none. */
static void
restriction_start (GMarkupParseContext *ctx,
                   const char          *element,
                   const char         **names,
                   const char         **values,
                   gpointer             data,
                   GError             **error)
{
  gint64 *max = data;
  const char *field = NULL, *value = NULL;

  if (strcmp (element, "restriction") != 0)
    return;
  for (guint i = 0; names[i] != NULL; i++)
    if (strcmp (names[i], "field") == 0)
      field = values[i];
    else if (strcmp (names[i], "max") == 0)
      value = values[i];
  if (g_strcmp0 (field, "memory-static-max") == 0 && value != NULL)
    *max = g_ascii_strtoll (value, NULL, 10);
}

static gint64
template_memory_max (XapiVm *tmpl)
{
  const char *xml = xapi_vm_get_recommendations (tmpl);
  static const GMarkupParser parser = { restriction_start, NULL, NULL, NULL, NULL };
  GMarkupParseContext *ctx;
  gint64 max = 0;

  if (xml == NULL || *xml == '\0')
    return 0;
  ctx = g_markup_parse_context_new (&parser, 0, &max, NULL);
  if (!g_markup_parse_context_parse (ctx, xml, -1, NULL) || !g_markup_parse_context_end_parse (ctx, NULL))
    max = 0;
  g_markup_parse_context_free (ctx);
  return max;
}

static const char *
why_blocked (XpNewVmWizard *self)
{
  XapiVm *tmpl = selected_template (self);
  const char *name;

  if (self->running)
    return _("The VM is being created");
  if (xapi_connection_get_state (self->conn) != XAPI_CONNECTION_STATE_CONNECTED)
    return _("The server is not connected");
  switch (self->page)
    {
    case PAGE_TEMPLATE:
      if (tmpl == NULL)
        return _("Choose a template to continue");
      break;
    case PAGE_NAME:
      name = gtk_editable_get_text (GTK_EDITABLE (self->name_entry));
      {
        g_autofree char *copy = g_strdup (name != NULL ? name : "");
        if (*g_strstrip (copy) == '\0')
          return _("Enter a name for the new VM");
      }
      break;
    case PAGE_MEDIA:
      if (gtk_check_button_get_active (self->media_iso)
          && gtk_drop_down_get_selected (self->iso_dropdown) >= self->iso_refs->len)
        return _("Choose an ISO image to install from");
      break;
    case PAGE_DISKS:
      for (guint i = 0; i < self->disks->len; i++)
        {
          DiskRow *d = self->disks->pdata[i];
          if (gtk_drop_down_get_selected (d->sr) >= self->sr_refs->len)
            return _("Choose a storage repository for every disk");
        }
      break;
    case PAGE_HARDWARE:
      {
        gint64 vcpus = spin_typed (self->vcpus_spin);
        gint64 cores = spin_typed (self->cores_spin);
        gint64 mem = spin_typed (self->memory_spin);
        gint64 dmin = spin_typed (self->memory_min_spin);

        if (vcpus < 1)
          return _("Enter a number of vCPUs");
        if (cores < 1)
          return _("Enter a number of cores per socket");
        if (vcpus % cores != 0)
          return _("The number of vCPUs must be a multiple of the cores per socket");
        if (mem < 1)
          return _("Enter the memory in MiB");
        if (dmin < 1)
          return _("Enter the minimum memory in MiB");
        if (tmpl != NULL)
          {
            gint64 smin = xapi_vm_get_memory_static_min (tmpl);
            gint64 smax = template_memory_max (tmpl);

            if (mem * MIB < smin)
              return _("Memory is below the template's minimum");
            if (smax > 0 && mem * MIB > smax)
              return _("Memory is above the template’s maximum");
            if (dmin * MIB < smin)
              return _("Minimum memory is below the template’s minimum");
          }
        if (dmin > mem)
          return _("Minimum memory is more than the memory");
        for (guint i = 0; i < self->vifs->len; i++)
          if (gtk_drop_down_get_selected (((VifRow *) self->vifs->pdata[i])->network) >= self->network_refs->len)
            return _("Choose a network for every network interface");
      }
      break;
    default:
      break;
    }
  return NULL;
}

static void
update_buttons (XpNewVmWizard *self)
{
  const char *why = why_blocked (self);

  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), why == NULL && self->page < PAGE_PROGRESS);
  gtk_widget_set_sensitive (GTK_WIDGET (self->back_button), !self->running && self->page > PAGE_TEMPLATE
                            && self->page < PAGE_PROGRESS);
  gtk_label_set_text (self->hint_label, why != NULL && !self->running ? why : "");
  gtk_button_set_label (self->next_button, self->page == PAGE_SUMMARY ? _("_Create") : _("_Next"));
  gtk_button_set_use_underline (self->next_button, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), self->page < PAGE_PROGRESS);
  gtk_button_set_label (self->cancel_button, self->page == PAGE_PROGRESS && !self->running ? _("_Close") : _("_Cancel"));
  gtk_button_set_use_underline (self->cancel_button, TRUE);
}

static void
on_changed (XpNewVmWizard *self)
{
  update_buttons (self);
}

/* ---- installation media and disks ---- */

/* Templates that install an OS from media: XenCenter asks for media when
 * the template lists install-methods, and the default (OS) templates do. */
static gboolean
needs_media (XapiVm *tmpl)
{
  GHashTable *oc = xapi_vm_get_other_config (tmpl);

  return (oc != NULL && g_hash_table_contains (oc, "install-methods")) || xapi_vm_get_is_default_template (tmpl);
}

static gboolean
is_hvm (XapiVm *tmpl)
{
  return *xapi_vm_get_hvm_boot_policy (tmpl) != '\0';
}

typedef struct {
  GPtrArray *disks;  /* GHashTable of attributes */
} Spec;

static void
spec_start (GMarkupParseContext *ctx,
            const char          *element,
            const char         **names,
            const char         **values,
            gpointer             data,
            GError             **error)
{
  Spec *spec = data;
  GHashTable *attrs;

  if (strcmp (element, "disk") != 0)
    return;
  attrs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; names[i] != NULL; i++)
    g_hash_table_insert (attrs, g_strdup (names[i]), g_strdup (values[i]));
  g_ptr_array_add (spec->disks, attrs);
}

/* The <disk> elements of the template's other_config:disks. */
static GPtrArray *
template_spec (XapiVm *tmpl)
{
  GHashTable *oc = xapi_vm_get_other_config (tmpl);
  const char *xml = oc != NULL ? g_hash_table_lookup (oc, "disks") : NULL;
  Spec spec = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref) };
  static const GMarkupParser parser = { spec_start, NULL, NULL, NULL, NULL };
  GMarkupParseContext *ctx;

  if (xml == NULL)
    return spec.disks;
  ctx = g_markup_parse_context_new (&parser, 0, &spec, NULL);
  if (!g_markup_parse_context_parse (ctx, xml, -1, NULL) || !g_markup_parse_context_end_parse (ctx, NULL))
    g_ptr_array_set_size (spec.disks, 0);
  g_markup_parse_context_free (ctx);
  return spec.disks;
}

static void on_remove_disk (GtkButton *button, XpNewVmWizard *self);

static void
add_disk_row (XpNewVmWizard *self,
              const char    *device,
              gint64         size,
              const char    *sr_uuid,
              gboolean       bootable,
              const char    *type)
{
  DiskRow *d = g_new0 (DiskRow, 1);
  GtkWidget *label, *remove;
  g_autofree char *text = NULL;
  guint sel = 0;

  d->device = g_strdup (device);
  d->bootable = bootable;
  d->type = g_strdup (type != NULL ? type : "user");
  d->line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  /* TRANSLATORS: a disk of the new VM on the disks page, by its device number */
  text = g_strdup_printf (_("Disk %s"), device);
  label = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  d->size = GTK_SPIN_BUTTON (xp_wizard_named (gtk_spin_button_new_with_range (1, 2040, 1), "disk-size"));
  gtk_spin_button_set_value (d->size, (double) MAX (size / GIB, 1));
  {
    g_autofree char *a11y = g_strdup_printf (_("Size of disk %s in GiB"), device);
    gtk_accessible_update_property (GTK_ACCESSIBLE (d->size), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  }
  d->sr = GTK_DROP_DOWN (xp_wizard_named (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->sr_names)), NULL),
                                          "disk-sr"));
  for (guint i = 0; i < self->sr_uuids->len; i++)
    if (sr_uuid != NULL && *sr_uuid != '\0' && g_strcmp0 (self->sr_uuids->pdata[i], sr_uuid) == 0)
      sel = i;
  gtk_drop_down_set_selected (d->sr, self->sr_refs->len > 0 ? sel : GTK_INVALID_LIST_POSITION);
  {
    g_autofree char *a11y = g_strdup_printf (_("Storage of disk %s"), device);
    gtk_accessible_update_property (GTK_ACCESSIBLE (d->sr), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  }
  remove = xp_wizard_named (gtk_button_new_from_icon_name ("list-remove-symbolic"), "disk-remove");
  {
    g_autofree char *a11y = g_strdup_printf (_("Remove disk %s"), device);
    gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
    gtk_widget_set_tooltip_text (remove, a11y);
  }
  g_object_set_data (G_OBJECT (remove), "disk", d);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_disk), self);
  g_signal_connect_swapped (d->sr, "notify::selected", G_CALLBACK (update_buttons), self);
  gtk_box_append (GTK_BOX (d->line), label);
  gtk_box_append (GTK_BOX (d->line), GTK_WIDGET (d->size));
  gtk_box_append (GTK_BOX (d->line), GTK_WIDGET (d->sr));
  gtk_box_append (GTK_BOX (d->line), remove);
  gtk_box_append (self->disks_box, d->line);
  g_ptr_array_add (self->disks, d);
}

static void
on_remove_disk (GtkButton     *button,
                XpNewVmWizard *self)
{
  DiskRow *d = g_object_get_data (G_OBJECT (button), "disk");

  gtk_box_remove (self->disks_box, d->line);
  g_ptr_array_remove (self->disks, d);
  update_buttons (self);
}

/* The next free device number after the template's disks and the rows. */
static char *
next_device (XpNewVmWizard *self)
{
  XapiVm *tmpl = self->disks_for;
  XapiCache *cache = xapi_connection_get_cache (self->conn);
  g_autoptr(GPtrArray) vbds = tmpl != NULL ? xapi_cache_follow_set (cache, XAPI_OBJECT (tmpl), "VBDs") : NULL;
  gint64 next = 0;

  for (guint i = 0; i < self->disks->len; i++)
    next = MAX (next, g_ascii_strtoll (((DiskRow *) self->disks->pdata[i])->device, NULL, 10) + 1);
  for (guint i = 0; vbds != NULL && i < vbds->len; i++)
    if (XAPI_IS_VBD (vbds->pdata[i]))
      next = MAX (next, g_ascii_strtoll (xapi_vbd_get_userdevice (vbds->pdata[i]), NULL, 10) + 1);
  /* 3 is the CD drive */
  if (next == 3)
    next = 4;
  return g_strdup_printf ("%" G_GINT64_FORMAT, next);
}

static void
on_add_disk (XpNewVmWizard *self)
{
  g_autofree char *device = next_device (self);

  add_disk_row (self, device, 10 * GIB, NULL, FALSE, "user");
  update_buttons (self);
}

/* Fill the disks page from the template's spec, once per template. */
static void
fill_disks (XpNewVmWizard *self,
            XapiVm        *tmpl)
{
  g_autoptr(GPtrArray) spec = NULL;
  XapiCache *cache = xapi_connection_get_cache (self->conn);
  g_autoptr(GPtrArray) vbds = xapi_cache_follow_set (cache, XAPI_OBJECT (tmpl), "VBDs");
  guint own = 0;

  if (self->disks_for == tmpl)
    return;
  g_set_object (&self->disks_for, tmpl);
  while (self->disks->len > 0)
    {
      DiskRow *d = self->disks->pdata[0];
      gtk_box_remove (self->disks_box, d->line);
      g_ptr_array_remove_index (self->disks, 0);
    }
  spec = template_spec (tmpl);
  for (guint i = 0; i < spec->len; i++)
    {
      GHashTable *a = spec->pdata[i];
      const char *size = g_hash_table_lookup (a, "size");

      add_disk_row (self, g_hash_table_lookup (a, "device") ? g_hash_table_lookup (a, "device") : "0",
                    size != NULL ? g_ascii_strtoll (size, NULL, 10) : 10 * GIB, g_hash_table_lookup (a, "sr"),
                    g_strcmp0 (g_hash_table_lookup (a, "bootable"), "true") == 0, g_hash_table_lookup (a, "type"));
    }
  for (guint i = 0; i < vbds->len; i++)
    if (XAPI_IS_VBD (vbds->pdata[i]) && xapi_vbd_get_type_field (vbds->pdata[i]) == XAPI_VBD_TYPE_DISK)
      own++;
  if (own > 0)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The template’s disk is copied with the VM.",
                                                            "The template’s %u disks are copied with the VM.", own),
                                               own);
      gtk_label_set_text (self->own_disks_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->own_disks_label), own > 0);
}

/* The provision spec of the disks page. */
static char *
disks_xml (XpNewVmWizard *self)
{
  GString *xml = g_string_new ("<provision>");

  for (guint i = 0; i < self->disks->len; i++)
    {
      DiskRow *d = self->disks->pdata[i];
      guint sel = gtk_drop_down_get_selected (d->sr);
      gint64 size = (gint64) gtk_spin_button_get_value_as_int (d->size) * GIB;
      g_autofree char *el = g_markup_printf_escaped ("<disk device=\"%s\" size=\"%" G_GINT64_FORMAT "\" sr=\"%s\" "
                                                     "bootable=\"%s\" type=\"%s\"/>",
                                                     d->device, size,
                                                     sel < self->sr_uuids->len ? (char *) self->sr_uuids->pdata[sel] : "",
                                                     d->bootable ? "true" : "false", d->type);
      g_string_append (xml, el);
    }
  g_string_append (xml, "</provision>");
  return g_string_free (xml, FALSE);
}

/* ---- network interfaces ---- */

/* Labels and accessible names follow the device numbers, 0, 1, 2… */
static void
renumber_vifs (XpNewVmWizard *self)
{
  for (guint i = 0; i < self->vifs->len; i++)
    {
      VifRow *v = self->vifs->pdata[i];
      /* TRANSLATORS: a network interface of the new VM, by its device number */
      g_autofree char *text = g_strdup_printf (_("Interface %u"), i);
      g_autofree char *net = g_strdup_printf (_("Network of interface %u"), i);
      g_autofree char *remove = g_strdup_printf (_("Remove interface %u"), i);

      gtk_label_set_text (v->label, text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (v->network), GTK_ACCESSIBLE_PROPERTY_LABEL, net, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (v->remove), GTK_ACCESSIBLE_PROPERTY_LABEL, remove, -1);
      gtk_widget_set_tooltip_text (v->remove, remove);
    }
  gtk_widget_set_sensitive (self->add_vif_button, self->network_refs->len > 0 && self->vifs->len < 7);
}

static void
on_remove_vif (GtkButton     *button,
               XpNewVmWizard *self)
{
  VifRow *v = g_object_get_data (G_OBJECT (button), "vif");
  guint index = 0;

  for (guint i = 0; i < self->vifs->len; i++)
    if (self->vifs->pdata[i] == v)
      index = i;
  gtk_box_remove (self->vifs_box, v->line);
  g_ptr_array_remove (self->vifs, v);
  renumber_vifs (self);
  /* the focus goes to the next interface's remove button, else the add button */
  if (index < self->vifs->len)
    gtk_widget_grab_focus (((VifRow *) self->vifs->pdata[index])->remove);
  else
    gtk_widget_grab_focus (self->add_vif_button);
  update_buttons (self);
}

static VifRow *
add_vif_row (XpNewVmWizard *self,
             guint          network)
{
  VifRow *v = g_new0 (VifRow, 1);

  v->line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  v->label = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_xalign (v->label, 0);
  gtk_widget_set_hexpand (GTK_WIDGET (v->label), TRUE);
  v->network = GTK_DROP_DOWN (xp_wizard_named (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->network_names)),
                                                                  NULL),
                                               "vif-network"));
  gtk_drop_down_set_selected (v->network, network < self->network_refs->len ? network : GTK_INVALID_LIST_POSITION);
  v->remove = xp_wizard_named (gtk_button_new_from_icon_name ("list-remove-symbolic"), "vif-remove");
  g_object_set_data (G_OBJECT (v->remove), "vif", v);
  g_signal_connect (v->remove, "clicked", G_CALLBACK (on_remove_vif), self);
  g_signal_connect_swapped (v->network, "notify::selected", G_CALLBACK (update_buttons), self);
  gtk_box_append (GTK_BOX (v->line), GTK_WIDGET (v->label));
  gtk_box_append (GTK_BOX (v->line), GTK_WIDGET (v->network));
  gtk_box_append (GTK_BOX (v->line), v->remove);
  gtk_box_append (self->vifs_box, v->line);
  g_ptr_array_add (self->vifs, v);
  renumber_vifs (self);
  return v;
}

/* The first network with other_config:automatic=true, else the management
 * network, else the first one. */
static guint
default_network (XpNewVmWizard *self)
{
  XapiCache *cache = xapi_connection_get_cache (self->conn);
  GListModel *pifs = xapi_cache_get_objects (cache, XAPI_TYPE_PIF);
  const char *mgmt = NULL;

  for (guint i = 0; i < self->network_refs->len; i++)
    {
      XapiNetwork *net = xapi_cache_lookup_typed (cache, self->network_refs->pdata[i], XAPI_TYPE_NETWORK);
      GHashTable *oc = net != NULL ? xapi_network_get_other_config (net) : NULL;

      if (oc != NULL && g_strcmp0 (g_hash_table_lookup (oc, "automatic"), "true") == 0)
        return i;
    }
  for (guint i = 0; mgmt == NULL && i < g_list_model_get_n_items (pifs); i++)
    {
      g_autoptr(XapiPif) pif = g_list_model_get_item (pifs, i);

      if (xapi_pif_get_management (pif) && !xapi_object_is_gone (XAPI_OBJECT (pif)))
        mgmt = xapi_pif_get_network (pif);
    }
  for (guint i = 0; mgmt != NULL && i < self->network_refs->len; i++)
    if (g_strcmp0 (self->network_refs->pdata[i], mgmt) == 0)
      return i;
  return 0;
}

static void
on_add_vif (XpNewVmWizard *self)
{
  VifRow *v;

  if (self->network_refs->len == 0)
    return;
  v = add_vif_row (self, default_network (self));
  gtk_widget_grab_focus (GTK_WIDGET (v->network));
  update_buttons (self);
}

static int
vif_by_device (gconstpointer a,
               gconstpointer b)
{
  XapiVif *x = *(XapiVif * const *) a;
  XapiVif *y = *(XapiVif * const *) b;
  gint64 dx = g_ascii_strtoll (xapi_vif_get_device (x), NULL, 10);
  gint64 dy = g_ascii_strtoll (xapi_vif_get_device (y), NULL, 10);

  return dx < dy ? -1 : dx > dy;
}

/* The template's VIFs (their networks, in device order), else one on the
 * default network. */
static void
fill_vifs (XpNewVmWizard *self,
           XapiVm        *tmpl)
{
  XapiCache *cache = xapi_connection_get_cache (self->conn);
  g_autoptr(GPtrArray) vifs = xapi_cache_follow_set (cache, XAPI_OBJECT (tmpl), "VIFs");

  while (self->vifs->len > 0)
    {
      VifRow *v = self->vifs->pdata[0];
      gtk_box_remove (self->vifs_box, v->line);
      g_ptr_array_remove_index (self->vifs, 0);
    }
  for (guint i = vifs->len; i > 0; i--)
    if (!XAPI_IS_VIF (vifs->pdata[i - 1]))
      g_ptr_array_remove_index (vifs, i - 1);
  g_ptr_array_sort (vifs, vif_by_device);
  for (guint i = 0; i < vifs->len; i++)
    for (guint n = 0; n < self->network_refs->len; n++)
      if (g_strcmp0 (self->network_refs->pdata[n], xapi_vif_get_network (vifs->pdata[i])) == 0)
        {
          add_vif_row (self, n);
          break;
        }
  if (self->vifs->len == 0 && self->network_refs->len > 0)
    add_vif_row (self, default_network (self));
  renumber_vifs (self);
}

static gboolean
template_filter (GtkListBoxRow *row,
                 gpointer       data)
{
  XpNewVmWizard *self = data;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search));
  XapiVm *vm = g_object_get_data (G_OBJECT (row), "vm");
  g_autofree char *hay = NULL;
  g_autofree char *needle = NULL;

  if (text == NULL || *text == '\0')
    return TRUE;
  hay = g_utf8_casefold (xapi_vm_get_name_label (vm) ? xapi_vm_get_name_label (vm) : "", -1);
  needle = g_utf8_casefold (text, -1);
  return strstr (hay, needle) != NULL;
}

static void
on_search_changed (XpNewVmWizard *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->template_list);

  gtk_list_box_invalidate_filter (self->template_list);
  if (row != NULL && !template_filter (row, self))
    gtk_list_box_unselect_all (self->template_list);
  update_buttons (self);
}

static void
apply_template_defaults (XpNewVmWizard *self)
{
  XapiVm *tmpl = selected_template (self);
  gint64 min, max, dmin, cores = 1;
  GHashTable *platform;

  if (tmpl == NULL)
    return;
  min = MAX (xapi_vm_get_memory_static_min (tmpl) / MIB, 1);
  max = MAX (xapi_vm_get_memory_static_max (tmpl) / MIB, min);
  dmin = CLAMP (xapi_vm_get_memory_dynamic_min (tmpl) / MIB, min, max);
  /* wide ranges: what is out of the template's limits is explained, not clamped */
  gtk_spin_button_set_range (self->memory_spin, 1, 1024.0 * 1024.0 * 16);
  gtk_spin_button_set_value (self->memory_spin, (double) max);
  gtk_spin_button_set_range (self->memory_min_spin, 1, 1024.0 * 1024.0 * 16);
  gtk_spin_button_set_value (self->memory_min_spin, (double) dmin);
  gtk_spin_button_set_range (self->vcpus_spin, 1, MAX (xapi_vm_get_vcpus_max (tmpl), 64));
  gtk_spin_button_set_value (self->vcpus_spin, (double) MAX (xapi_vm_get_vcpus_at_startup (tmpl), 1));
  platform = xapi_vm_get_platform (tmpl);
  if (platform != NULL && g_hash_table_lookup (platform, "cores-per-socket") != NULL)
    cores = g_ascii_strtoll (g_hash_table_lookup (platform, "cores-per-socket"), NULL, 10);
  if (cores < 1 || MAX (xapi_vm_get_vcpus_at_startup (tmpl), 1) % cores != 0)
    cores = 1;
  gtk_spin_button_set_value (self->cores_spin, (double) cores);
  {
    gint64 top = template_memory_max (tmpl) / MIB;
    g_autofree char *hint = NULL;

    if (top > 0)
      hint = g_strdup_printf (_("The template allows %lld to %lld MiB. "
                                "The VM may be given less memory, down to its minimum, when the server "
                                "needs it."), (long long) min, (long long) top);
    else
      hint = g_strdup_printf (_("The template needs at least %lld MiB. "
                                "The VM may be given less memory, down to its minimum, when the server "
                                "needs it."), (long long) min);
    gtk_label_set_text (self->memory_hint, hint);
  }
  fill_vifs (self, tmpl);
  if (*gtk_editable_get_text (GTK_EDITABLE (self->name_entry)) == '\0')
    {
      g_autofree char *name = g_strdup_printf (_("New VM (%s)"), xapi_vm_get_name_label (tmpl));
      gtk_editable_set_text (GTK_EDITABLE (self->name_entry), name);
    }
}

static void
update_summary (XpNewVmWizard *self)
{
  XapiVm *tmpl = selected_template (self);
  g_autofree char *text = NULL;
  g_autoptr(GString) nets = g_string_new (NULL);
  GtkStringObject *home = gtk_drop_down_get_selected_item (self->home_dropdown);

  for (guint i = 0; i < self->vifs->len; i++)
    {
      GtkStringObject *net = gtk_drop_down_get_selected_item (((VifRow *) self->vifs->pdata[i])->network);

      if (nets->len > 0)
        /* TRANSLATORS: separates the networks in the New VM summary */
        g_string_append (nets, _(", "));
      g_string_append (nets, net != NULL ? gtk_string_object_get_string (net) : "");
    }
  text = g_strdup_printf (_("A VM named “%s” will be created from the template “%s” with %d vCPUs "
                            "(%d cores per socket) and %d MiB of memory, at least %d MiB. "
                            "Home server: %s. Network interfaces: %s."),
                          gtk_editable_get_text (GTK_EDITABLE (self->name_entry)),
                          tmpl != NULL ? xapi_vm_get_name_label (tmpl) : "",
                          gtk_spin_button_get_value_as_int (self->vcpus_spin),
                          gtk_spin_button_get_value_as_int (self->cores_spin),
                          gtk_spin_button_get_value_as_int (self->memory_spin),
                          gtk_spin_button_get_value_as_int (self->memory_min_spin),
                          home != NULL ? gtk_string_object_get_string (home) : "",
                          nets->len > 0 ? nets->str : _("none"));
  {
    g_autofree char *more = NULL;
    const char *media = NULL;
    GtkStringObject *iso = gtk_drop_down_get_selected_item (self->iso_dropdown);

    if (tmpl != NULL && needs_media (tmpl))
      {
        if (gtk_check_button_get_active (self->media_iso) && iso != NULL)
          media = gtk_string_object_get_string (iso);
        else if (gtk_check_button_get_active (self->media_network))
          media = _("network boot (PXE)");
        else
          media = _("none");
      }
    /* TRANSLATORS: the summary of the New VM wizard goes on with this */
    more = g_strdup_printf (_("%s New disks: %u. Installation media: %s."), text, self->disks->len,
                            media != NULL ? media : _("not needed"));
    gtk_label_set_text (self->summary_label, more);
  }
}

static void
show_page (XpNewVmWizard *self,
           int            page)
{
  self->page = page;
  if (page == PAGE_SUMMARY)
    update_summary (self);
  gtk_stack_set_visible_child_name (self->stack, page_names[page]);
  update_buttons (self);
}

/* ---- creation ---- */

static void run_step (XpNewVmWizard *self);
static void rollback_next (XpNewVmWizard *self);

static void
finish (XpNewVmWizard *self)
{
  self->running = FALSE;
  gtk_progress_bar_set_fraction (self->progress, 1.0);
  if (self->failure != NULL)
    gtk_label_set_text (self->status_label, self->failure);
  else
    gtk_label_set_text (self->status_label, self->done_text);
  update_buttons (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0,
                 self->failure == NULL ? self->vm_ref : NULL, self->failure);
  g_object_unref (self);
}

static void
call (XpNewVmWizard      *self,
      const char         *method,
      JsonArray          *params,
      GCancellable       *cancellable,
      GAsyncReadyCallback cb)
{
  xapi_connection_call_async (self->conn, method, params, cancellable, cb, self);
}

static JsonArray *
params_ref (const char *ref)
{
  JsonArray *p = json_array_new ();

  json_array_add_string_element (p, ref);
  return p;
}

static void
on_rollback_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  XpNewVmWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (self->conn, result, &error);

  if (error != NULL)
    g_warning ("rollback step failed: %s", error->message);
  rollback_next (self);
}

static void
on_vbd_record (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  XpNewVmWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (self->conn, result, &error);

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *o = json_node_get_object (node);
      const char *type = json_object_get_string_member_with_default (o, "type", "");
      const char *vdi = json_object_get_string_member_with_default (o, "VDI", "OpaqueRef:NULL");

      if (g_strcmp0 (type, "Disk") == 0 && g_strcmp0 (vdi, "OpaqueRef:NULL") != 0)
        g_ptr_array_add (self->rollback_vdis, g_strdup (vdi));
    }
  rollback_next (self);
}

static void
on_vbds (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  XpNewVmWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (self->conn, result, &error);

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        g_ptr_array_add (self->rollback_vbds, g_strdup (json_array_get_string_element (a, i)));
    }
  rollback_next (self);
}

/* Order: list VBDs, read each VBD, destroy each disk VDI, destroy the VM. */
static void
rollback_next (XpNewVmWizard *self)
{
  if (self->rollback_vbds == NULL)
    {
      self->rollback_vbds = g_ptr_array_new_with_free_func (g_free);
      self->rollback_vdis = g_ptr_array_new_with_free_func (g_free);
      call (self, "VM.get_VBDs", params_ref (self->vm_ref), NULL, on_vbds);
      return;
    }
  if (self->rollback_vbds->len > 0)
    {
      g_autofree char *vbd = g_ptr_array_steal_index (self->rollback_vbds, 0);
      call (self, "VBD.get_record", params_ref (vbd), NULL, on_vbd_record);
      return;
    }
  if (self->rollback_vdis->len > 0)
    {
      g_autofree char *vdi = g_ptr_array_steal_index (self->rollback_vdis, 0);
      call (self, "VDI.destroy", params_ref (vdi), NULL, on_rollback_done);
      return;
    }
  if (self->vm_ref != NULL)
    {
      g_autofree char *vm = g_steal_pointer (&self->vm_ref);
      call (self, "VM.destroy", params_ref (vm), NULL, on_rollback_done);
      return;
    }
  finish (self);
}

static void
fail (XpNewVmWizard *self,
      const char    *what,
      GError        *error)
{
  gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  if (self->vm_ref == NULL)
    self->failure = g_strdup_printf (cancelled ? _("Cancelled while %s. Nothing was created.")
                                               : _("Failed while %s: %s. Nothing was created."),
                                     what, error->message);
  else
    self->failure = g_strdup_printf (cancelled ? _("Cancelled while %s. The partly created VM and its disks were removed again.")
                                               : _("Failed while %s: %s. The partly created VM and its disks were removed again."),
                                     what, error->message);
  gtk_label_set_text (self->status_label, _("Removing what was created…"));
  rollback_next (self);
}

enum {
  STEP_CLONE,
  STEP_DESCRIPTION,
  STEP_AFFINITY,
  STEP_SPEC_REMOVE,
  STEP_SPEC_ADD,
  STEP_PROVISION,
  STEP_LIST_VIFS,
  STEP_DESTROY_VIFS,
  STEP_CREATE_VIF,
  STEP_CD,
  STEP_BOOT_ORDER,
  STEP_CORES_REMOVE,
  STEP_CORES_ADD,
  STEP_VCPUS_1,
  STEP_VCPUS_2,
  STEP_MEMORY_1,
  STEP_MEMORY_2,
  STEP_MEMORY_3,
  STEP_UNTEMPLATE,
  STEP_START,
  N_STEPS
};

static const char *
step_description (int step)
{
  switch (step)
    {
    case STEP_CLONE: return _("cloning the template");
    case STEP_DESCRIPTION: return _("setting the description");
    case STEP_AFFINITY: return _("setting the home server");
    case STEP_SPEC_REMOVE:
    case STEP_SPEC_ADD: return _("describing the disks");
    case STEP_PROVISION: return _("provisioning the disks");
    case STEP_CD: return _("adding the CD drive");
    case STEP_BOOT_ORDER: return _("setting the boot order");
    case STEP_LIST_VIFS:
    case STEP_DESTROY_VIFS:
    case STEP_CREATE_VIF: return _("connecting the network");
    case STEP_CORES_REMOVE:
    case STEP_CORES_ADD: return _("setting the cores per socket");
    case STEP_VCPUS_1:
    case STEP_VCPUS_2: return _("setting the vCPUs");
    case STEP_MEMORY_1:
    case STEP_MEMORY_2:
    case STEP_MEMORY_3: return _("setting the memory");
    case STEP_UNTEMPLATE: return _("turning the clone into a VM");
    case STEP_START: return _("starting the VM");
    default: return "";
    }
}

/* The memory fields one at a time, in an order that keeps
 * static_min <= dynamic_min <= dynamic_max <= static_max after each call:
 * growing raises static_max first, shrinking lowers dynamic_min first --
 * unless the new dynamic_min is above the clone's dynamic_max, then
 * dynamic_max goes first (it is at least the new dynamic_min and below
 * the clone's static_max). */
static const char *
memory_setter (int      step,
               gboolean growing,
               gboolean min_fits)
{
  static const char *grow[] = { "VM.set_memory_static_max", "VM.set_memory_dynamic_max",
                                "VM.set_memory_dynamic_min" };
  static const char *shrink[] = { "VM.set_memory_dynamic_min", "VM.set_memory_dynamic_max",
                                  "VM.set_memory_static_max" };
  static const char *shrink_max_first[] = { "VM.set_memory_dynamic_max", "VM.set_memory_dynamic_min",
                                            "VM.set_memory_static_max" };

  if (growing)
    return grow[step - STEP_MEMORY_1];
  return min_fits ? shrink[step - STEP_MEMORY_1] : shrink_max_first[step - STEP_MEMORY_1];
}

static void
on_step_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  XpNewVmWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (self->conn, result, &error);

  if (error == NULL && g_cancellable_is_cancelled (self->cancellable))
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
  if (error == NULL && self->step == STEP_CLONE)
    {
      if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
        self->vm_ref = g_strdup (json_node_get_string (node));
      else
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, _("no VM reference returned"));
    }
  if (error == NULL && self->step == STEP_LIST_VIFS && node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (a); i++)
        g_ptr_array_add (self->old_vifs, g_strdup (json_array_get_string_element (a, i)));
    }
  if (error != NULL)
    {
      fail (self, step_description (self->step), error);
      return;
    }
  if (self->step == STEP_BOOT_ORDER && !self->boot_order_set)
    self->boot_order_set = TRUE;   /* removed: now add */
  else if (self->step == STEP_CREATE_VIF)
    {
      /* one VIF per interface of the list, device by device */
      if (++self->vif_done >= self->vifs->len)
        self->step++;
    }
  else if (self->step != STEP_DESTROY_VIFS || self->old_vifs->len == 0)
    self->step++;
  run_step (self);
}

static void
run_step (XpNewVmWizard *self)
{
  XapiVm *tmpl = selected_template (self);
  JsonArray *p;
  gint64 vcpus = gtk_spin_button_get_value_as_int (self->vcpus_spin);
  gint64 mem = (gint64) gtk_spin_button_get_value_as_int (self->memory_spin) * MIB;
  gint64 dmin = (gint64) gtk_spin_button_get_value_as_int (self->memory_min_spin) * MIB;
  gint64 cur = xapi_vm_get_vcpus_at_startup (tmpl);
  const char *method = NULL;

  gtk_progress_bar_set_fraction (self->progress, (double) self->step / N_STEPS);
  {
    g_autofree char *status = g_strdup_printf (_("Now %s…"), step_description (self->step));
    gtk_label_set_text (self->status_label, status);
  }
  switch (self->step)
    {
    case STEP_CLONE:
      p = params_ref (xapi_object_get_ref (XAPI_OBJECT (tmpl)));
      json_array_add_string_element (p, gtk_editable_get_text (GTK_EDITABLE (self->name_entry)));
      method = "VM.clone";
      break;
    case STEP_DESCRIPTION:
      p = params_ref (self->vm_ref);
      json_array_add_string_element (p, gtk_editable_get_text (GTK_EDITABLE (self->description_entry)));
      method = "VM.set_name_description";
      break;
    case STEP_AFFINITY:
      {
        guint h = gtk_drop_down_get_selected (self->home_dropdown);
        const char *host = h < self->host_refs->len ? self->host_refs->pdata[h] : NULL;

        p = params_ref (self->vm_ref);
        json_array_add_string_element (p, host != NULL ? host : "OpaqueRef:NULL");
      }
      method = "VM.set_affinity";
      break;
    case STEP_SPEC_REMOVE:
      p = params_ref (self->vm_ref);
      json_array_add_string_element (p, "disks");
      method = "VM.remove_from_other_config";
      break;
    case STEP_SPEC_ADD:
      if (self->disks->len == 0)
        {
          self->step++;
          run_step (self);
          return;
        }
      p = params_ref (self->vm_ref);
      json_array_add_string_element (p, "disks");
      {
        g_autofree char *xml = disks_xml (self);
        json_array_add_string_element (p, xml);
      }
      method = "VM.add_to_other_config";
      break;
    case STEP_PROVISION:
      p = params_ref (self->vm_ref);
      method = "VM.provision";
      break;
    case STEP_CD:
      {
        guint iso = gtk_drop_down_get_selected (self->iso_dropdown);
        gboolean with_iso = gtk_check_button_get_active (self->media_iso) && iso < self->iso_refs->len;
        JsonObject *rec;

        /* install templates get a CD drive, with the ISO when one was chosen */
        if (!needs_media (tmpl))
          {
            self->step++;
            run_step (self);
            return;
          }
        rec = json_object_new ();
        json_object_set_string_member (rec, "VM", self->vm_ref);
        json_object_set_string_member (rec, "VDI", with_iso ? (char *) self->iso_refs->pdata[iso] : "OpaqueRef:NULL");
        json_object_set_string_member (rec, "userdevice", "3");
        json_object_set_boolean_member (rec, "bootable", with_iso);
        json_object_set_string_member (rec, "mode", "RO");
        json_object_set_string_member (rec, "type", "CD");
        json_object_set_boolean_member (rec, "unpluggable", TRUE);
        json_object_set_boolean_member (rec, "empty", !with_iso);
        json_object_set_object_member (rec, "other_config", json_object_new ());
        json_object_set_string_member (rec, "qos_algorithm_type", "");
        json_object_set_object_member (rec, "qos_algorithm_params", json_object_new ());
        p = json_array_new ();
        json_array_add_object_element (p, rec);
      }
      method = "VBD.create";
      break;
    case STEP_BOOT_ORDER:
      /* HVM boot order: network first for a network install, else CD first */
      if (!needs_media (tmpl) || !is_hvm (tmpl))
        {
          self->step++;
          run_step (self);
          return;
        }
      p = params_ref (self->vm_ref);
      json_array_add_string_element (p, "order");
      method = "VM.remove_from_HVM_boot_params";
      if (self->boot_order_set)
        {
          json_array_add_string_element (p, gtk_check_button_get_active (self->media_network) ? "ndc" : "dcn");
          method = "VM.add_to_HVM_boot_params";
        }
      break;
    case STEP_LIST_VIFS:
      p = params_ref (self->vm_ref);
      method = "VM.get_VIFs";
      break;
    case STEP_DESTROY_VIFS:
      if (self->old_vifs->len == 0)
        {
          self->step++;
          run_step (self);
          return;
        }
      {
        g_autofree char *vif = g_ptr_array_steal_index (self->old_vifs, 0);
        p = params_ref (vif);
      }
      method = "VIF.destroy";
      break;
    case STEP_CREATE_VIF:
      {
        guint n = self->vif_done < self->vifs->len
                  ? gtk_drop_down_get_selected (((VifRow *) self->vifs->pdata[self->vif_done])->network)
                  : GTK_INVALID_LIST_POSITION;
        g_autofree char *device = g_strdup_printf ("%u", self->vif_done);
        JsonObject *rec;

        if (n >= self->network_refs->len)
          {
            self->step++;
            run_step (self);
            return;
          }
        rec = json_object_new ();
        json_object_set_string_member (rec, "device", device);
        json_object_set_string_member (rec, "network", g_ptr_array_index (self->network_refs, n));
        json_object_set_string_member (rec, "VM", self->vm_ref);
        json_object_set_string_member (rec, "MAC", "");
        json_object_set_int_member (rec, "MTU", 1500);
        json_object_set_object_member (rec, "other_config", json_object_new ());
        json_object_set_string_member (rec, "qos_algorithm_type", "");
        json_object_set_object_member (rec, "qos_algorithm_params", json_object_new ());
        p = json_array_new ();
        json_array_add_object_element (p, rec);
      }
      method = "VIF.create";
      break;
    case STEP_CORES_REMOVE:
      p = params_ref (self->vm_ref);
      json_array_add_string_element (p, "cores-per-socket");
      method = "VM.remove_from_platform";
      break;
    case STEP_CORES_ADD:
      p = params_ref (self->vm_ref);
      json_array_add_string_element (p, "cores-per-socket");
      {
        g_autofree char *cores = g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (self->cores_spin));
        json_array_add_string_element (p, cores);
      }
      method = "VM.add_to_platform";
      break;
    case STEP_VCPUS_1: /* raise max first when growing, lower startup first when shrinking */
    case STEP_VCPUS_2:
      p = params_ref (self->vm_ref);
      json_array_add_int_element (p, vcpus);
      method = ((self->step == STEP_VCPUS_1) == (vcpus >= cur)) ? "VM.set_VCPUs_max" : "VM.set_VCPUs_at_startup";
      break;
    case STEP_MEMORY_1:
    case STEP_MEMORY_2:
    case STEP_MEMORY_3:
      method = memory_setter (self->step, mem >= xapi_vm_get_memory_static_max (tmpl),
                              dmin <= xapi_vm_get_memory_dynamic_max (tmpl));
      p = params_ref (self->vm_ref);
      json_array_add_int_element (p, strcmp (method, "VM.set_memory_dynamic_min") == 0 ? dmin : mem);
      break;
    case STEP_UNTEMPLATE:
      p = params_ref (self->vm_ref);
      json_array_add_boolean_element (p, FALSE);
      method = "VM.set_is_a_template";
      break;
    case STEP_START:
      if (!gtk_check_button_get_active (self->start_check))
        {
          self->step++;
          run_step (self);
          return;
        }
      p = params_ref (self->vm_ref);
      json_array_add_boolean_element (p, FALSE);
      json_array_add_boolean_element (p, FALSE);
      method = "VM.start";
      break;
    default:
      self->done_text = g_strdup_printf (_("The VM “%s” was created."),
                                         gtk_editable_get_text (GTK_EDITABLE (self->name_entry)));
      finish (self);
      return;
    }
  /* Not cancelled in flight: a dropped reply would lose the ref of what the
   * server made.  Cancel takes effect when the running step answers. */
  call (self, method, p, NULL, on_step_done);
}

static void
start_creation (XpNewVmWizard *self)
{
  self->running = TRUE;
  self->step = 0;
  self->boot_order_set = FALSE;
  self->vif_done = 0;
  g_ptr_array_set_size (self->old_vifs, 0);
  g_clear_pointer (&self->failure, g_free);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_object_ref (self);  /* released in finish () */
  show_page (self, PAGE_PROGRESS);
  run_step (self);
}

static void
on_next (XpNewVmWizard *self)
{
  if (self->page == PAGE_HARDWARE)
    {
      /* take what was typed but not yet activated, then check it again */
      gtk_spin_button_update (self->vcpus_spin);
      gtk_spin_button_update (self->cores_spin);
      gtk_spin_button_update (self->memory_spin);
      gtk_spin_button_update (self->memory_min_spin);
    }
  if (why_blocked (self) != NULL)
    {
      update_buttons (self);
      return;
    }
  if (self->page == PAGE_TEMPLATE)
    {
      apply_template_defaults (self);
      fill_disks (self, selected_template (self));
    }
  if (self->page == PAGE_SUMMARY)
    start_creation (self);
  else if (self->page == PAGE_NAME && !needs_media (selected_template (self)))
    show_page (self, PAGE_DISKS);
  else
    show_page (self, self->page + 1);
}

static void
on_back (XpNewVmWizard *self)
{
  if (self->page == PAGE_DISKS && !needs_media (selected_template (self)))
    show_page (self, PAGE_NAME);
  else if (self->page > PAGE_TEMPLATE && self->page < PAGE_PROGRESS)
    show_page (self, self->page - 1);
}

static void
on_cancel (XpNewVmWizard *self)
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
  XpNewVmWizard *self = XP_NEW_VM_WIZARD (window);

  if (self->running)
    {
      g_cancellable_cancel (self->cancellable);
      return TRUE;  /* closes via the Close button once rolled back */
    }
  return FALSE;
}

/* ---- construction ---- */

static void
fill_templates (XpNewVmWizard *self)
{
  GListModel *vms = xapi_cache_get_objects (xapi_connection_get_cache (self->conn), XAPI_TYPE_VM);
  guint n = g_list_model_get_n_items (vms);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);
      GtkWidget *row, *label;

      if (!xapi_vm_get_is_a_template (vm) || xapi_vm_get_is_a_snapshot (vm))
        continue;
      label = gtk_label_new (xapi_vm_get_name_label (vm));
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_margin_top (label, 4);
      gtk_widget_set_margin_bottom (label, 4);
      row = gtk_list_box_row_new ();
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      xapi_vm_get_name_label (vm), -1);
      g_object_set_data_full (G_OBJECT (row), "vm", g_object_ref (vm), g_object_unref);
      gtk_list_box_append (self->template_list, row);
      if (self->preselected == vm)
        gtk_list_box_select_row (self->template_list, GTK_LIST_BOX_ROW (row));
    }
}

static void
xp_new_vm_wizard_dispose (GObject *object)
{
  XpNewVmWizard *self = XP_NEW_VM_WIZARD (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (xp_new_vm_wizard_parent_class)->dispose (object);
}

static void
xp_new_vm_wizard_finalize (GObject *object)
{
  XpNewVmWizard *self = XP_NEW_VM_WIZARD (object);

  g_clear_object (&self->conn);
  g_clear_object (&self->preselected);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->vm_ref, g_free);
  g_clear_pointer (&self->rollback_vbds, g_ptr_array_unref);
  g_clear_pointer (&self->rollback_vdis, g_ptr_array_unref);
  g_clear_pointer (&self->old_vifs, g_ptr_array_unref);
  g_clear_pointer (&self->network_refs, g_ptr_array_unref);
  g_clear_object (&self->network_names);
  g_clear_pointer (&self->vifs, g_ptr_array_unref);
  g_clear_pointer (&self->host_refs, g_ptr_array_unref);
  g_clear_pointer (&self->iso_refs, g_ptr_array_unref);
  g_clear_pointer (&self->disks, g_ptr_array_unref);
  g_clear_pointer (&self->sr_refs, g_ptr_array_unref);
  g_clear_pointer (&self->sr_uuids, g_ptr_array_unref);
  g_clear_object (&self->sr_names);
  g_clear_object (&self->disks_for);
  g_clear_pointer (&self->failure, g_free);
  g_clear_pointer (&self->done_text, g_free);
  G_OBJECT_CLASS (xp_new_vm_wizard_parent_class)->finalize (object);
}

static void
xp_new_vm_wizard_class_init (XpNewVmWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xp_new_vm_wizard_dispose;
  object_class->finalize = xp_new_vm_wizard_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = on_close_request;

  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                           G_TYPE_STRING, G_TYPE_STRING);
}

static void
xp_new_vm_wizard_init (XpNewVmWizard *self)
{
  self->old_vifs = g_ptr_array_new_with_free_func (g_free);
  self->network_refs = g_ptr_array_new_with_free_func (g_free);
  self->network_names = gtk_string_list_new (NULL);
  self->vifs = g_ptr_array_new_with_free_func (vif_row_free);
  self->host_refs = g_ptr_array_new_with_free_func (g_free);
  self->iso_refs = g_ptr_array_new_with_free_func (g_free);
  self->disks = g_ptr_array_new_with_free_func (disk_row_free);
  self->sr_refs = g_ptr_array_new_with_free_func (g_free);
  self->sr_uuids = g_ptr_array_new_with_free_func (g_free);
  self->sr_names = gtk_string_list_new (NULL);
}

/* The ISOs of the pool's ISO SRs. */
static GtkDropDown *
iso_dropdown_new (XpNewVmWizard *self)
{
  XapiCache *cache = xapi_connection_get_cache (self->conn);
  GListModel *srs = xapi_cache_get_objects (cache, XAPI_TYPE_SR);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (srs); i++)
    {
      g_autoptr(XapiSr) sr = g_list_model_get_item (srs, i);
      const char * const *vdis = xapi_sr_get_vdis (sr);

      if (g_strcmp0 (xapi_sr_get_content_type (sr), "iso") != 0 || xapi_object_is_gone (XAPI_OBJECT (sr)))
        continue;
      for (guint j = 0; vdis != NULL && vdis[j] != NULL; j++)
        {
          XapiVdi *vdi = xapi_cache_lookup_typed (cache, vdis[j], XAPI_TYPE_VDI);

          if (vdi == NULL || xapi_vdi_get_is_a_snapshot (vdi))
            continue;
          gtk_string_list_append (names, xapi_vdi_get_name_label (vdi));
          g_ptr_array_add (self->iso_refs, g_strdup (vdis[j]));
        }
    }
  return GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&names)), NULL));
}

/* SRs that can hold disks: not ISO libraries nor removable devices, the
 * pool's default first. */
static void
fill_srs (XpNewVmWizard *self)
{
  XapiCache *cache = xapi_connection_get_cache (self->conn);
  GListModel *srs = xapi_cache_get_objects (cache, XAPI_TYPE_SR);
  XapiObject *pool = xapi_cache_get_pool (cache);
  const char *def = pool != NULL && XAPI_IS_POOL (pool) ? xapi_pool_get_default_sr (XAPI_POOL (pool)) : NULL;

  for (guint i = 0; i < g_list_model_get_n_items (srs); i++)
    {
      g_autoptr(XapiSr) sr = g_list_model_get_item (srs, i);
      const char *ref = xapi_object_get_ref (XAPI_OBJECT (sr));
      g_autofree char *free_text = NULL;
      g_autofree char *name = NULL;
      gboolean first = g_strcmp0 (ref, def) == 0;

      if (g_strcmp0 (xapi_sr_get_content_type (sr), "iso") == 0 || g_strcmp0 (xapi_sr_get_type_field (sr), "udev") == 0
          || xapi_object_is_gone (XAPI_OBJECT (sr)))
        continue;
      free_text = g_format_size_full (xapi_sr_get_physical_size (sr) - xapi_sr_get_physical_utilisation (sr),
                                      G_FORMAT_SIZE_IEC_UNITS);
      name = g_strdup_printf (_("%s (%s free)"), xapi_sr_get_name_label (sr), free_text);
      if (first)
        {
          g_ptr_array_insert (self->sr_refs, 0, g_strdup (ref));
          g_ptr_array_insert (self->sr_uuids, 0, g_strdup (xapi_sr_get_uuid (sr)));
          gtk_string_list_splice (self->sr_names, 0, 0, (const char * const []) { name, NULL });
        }
      else
        {
          g_ptr_array_add (self->sr_refs, g_strdup (ref));
          g_ptr_array_add (self->sr_uuids, g_strdup (xapi_sr_get_uuid (sr)));
          gtk_string_list_append (self->sr_names, name);
        }
    }
}

/* The pool's networks, for every interface's drop-down. */
static void
fill_networks (XpNewVmWizard *self)
{
  GListModel *nets = xapi_cache_get_objects (xapi_connection_get_cache (self->conn), XAPI_TYPE_NETWORK);

  for (guint i = 0; i < g_list_model_get_n_items (nets); i++)
    {
      g_autoptr(XapiNetwork) net = g_list_model_get_item (nets, i);

      if (xapi_object_is_gone (XAPI_OBJECT (net)))
        continue;
      gtk_string_list_append (self->network_names, xapi_network_get_name_label (net));
      g_ptr_array_add (self->network_refs, g_strdup (xapi_object_get_ref (XAPI_OBJECT (net))));
    }
}

/* "None (any server)", then the pool's enabled servers. */
static GtkDropDown *
home_dropdown_new (XpNewVmWizard *self)
{
  GListModel *hosts = xapi_cache_get_objects (xapi_connection_get_cache (self->conn), XAPI_TYPE_HOST);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  gtk_string_list_append (names, _("None (any server)"));
  g_ptr_array_add (self->host_refs, NULL);
  for (guint i = 0; i < g_list_model_get_n_items (hosts); i++)
    {
      g_autoptr(XapiHost) host = g_list_model_get_item (hosts, i);

      if (xapi_object_is_gone (XAPI_OBJECT (host)) || !xapi_host_get_enabled (host))
        continue;
      gtk_string_list_append (names, xapi_host_get_name_label (host));
      g_ptr_array_add (self->host_refs, g_strdup (xapi_object_get_ref (XAPI_OBJECT (host))));
    }
  return GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&names)), NULL));
}

GtkWindow *
xp_new_vm_wizard_new (GtkWindow      *parent,
                      XapiConnection *conn,
                      XapiVm         *template_or_null)
{
  XpNewVmWizard *self;
  GtkWidget *outer, *box, *scroller, *buttons;

  g_return_val_if_fail (XAPI_IS_CONNECTION (conn), NULL);

  self = g_object_new (XP_TYPE_NEW_VM_WIZARD,
                       "title", _("New VM"),
                       "transient-for", parent,
                       "default-width", 560,
                       "default-height", 480,
                       NULL);
  self->conn = g_object_ref (conn);
  self->preselected = template_or_null != NULL ? g_object_ref (template_or_null) : NULL;

  outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (outer), GTK_WIDGET (self->stack));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_TEMPLATE], _("Template"));
  self->search = GTK_SEARCH_ENTRY (xp_wizard_named (gtk_search_entry_new (), "template-search"));
  xp_wizard_labelled (box, _("_Search templates"), GTK_WIDGET (self->search));
  self->template_list = GTK_LIST_BOX (xp_wizard_named (gtk_list_box_new (), "template-list"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->template_list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Templates"), -1);
  gtk_list_box_set_filter_func (self->template_list, template_filter, self, NULL);
  scroller = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->template_list));
  gtk_box_append (GTK_BOX (box), scroller);

  box = xp_wizard_page_box (self->stack, page_names[PAGE_NAME], _("Name"));
  self->name_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "name-entry"));
  xp_wizard_labelled (box, _("_Name"), GTK_WIDGET (self->name_entry));
  gtk_entry_set_activates_default (self->name_entry, TRUE);
  self->description_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "description-entry"));
  xp_wizard_labelled (box, _("_Description"), GTK_WIDGET (self->description_entry));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_MEDIA], _("Installation media"));
  self->media_iso = GTK_CHECK_BUTTON (xp_wizard_named (gtk_check_button_new_with_mnemonic (_("Install from an _ISO image")),
                                                       "media-iso"));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->media_iso));
  self->iso_dropdown = GTK_DROP_DOWN (xp_wizard_named (GTK_WIDGET (iso_dropdown_new (self)), "iso-dropdown"));
  gtk_widget_set_margin_start (GTK_WIDGET (self->iso_dropdown), 24);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->iso_dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("ISO image"), -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->iso_dropdown));
  self->media_network = GTK_CHECK_BUTTON (xp_wizard_named (gtk_check_button_new_with_mnemonic (_("Boot from the _network (PXE)")),
                                                           "media-network"));
  gtk_check_button_set_group (self->media_network, self->media_iso);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->media_network));
  self->media_none = GTK_CHECK_BUTTON (xp_wizard_named (gtk_check_button_new_with_mnemonic (_("N_o installation media (an empty CD drive)")),
                                                        "media-none"));
  gtk_check_button_set_group (self->media_none, self->media_iso);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->media_none));
  gtk_check_button_set_active (self->iso_refs->len > 0 ? self->media_iso : self->media_none, TRUE);

  box = xp_wizard_page_box (self->stack, page_names[PAGE_DISKS], _("Disks"));
  self->own_disks_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "own-disks-label"));
  gtk_label_set_xalign (self->own_disks_label, 0);
  gtk_label_set_wrap (self->own_disks_label, TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->own_disks_label));
  fill_srs (self);
  self->disks_box = GTK_BOX (xp_wizard_named (gtk_box_new (GTK_ORIENTATION_VERTICAL, 6), "disks-box"));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->disks_box));
  {
    GtkWidget *add = xp_wizard_named (gtk_button_new_with_mnemonic (_("_Add a Disk")), "add-disk");
    gtk_widget_set_halign (add, GTK_ALIGN_START);
    g_signal_connect_swapped (add, "clicked", G_CALLBACK (on_add_disk), self);
    gtk_box_append (GTK_BOX (box), add);
  }

  box = xp_wizard_page_box (self->stack, page_names[PAGE_HARDWARE], _("CPU, memory and network"));
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (box), scroller);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), box);
  self->home_dropdown = GTK_DROP_DOWN (xp_wizard_named (GTK_WIDGET (home_dropdown_new (self)), "home-dropdown"));
  xp_wizard_labelled (box, _("_Home server"), GTK_WIDGET (self->home_dropdown));
  self->vcpus_spin = GTK_SPIN_BUTTON (xp_wizard_named (gtk_spin_button_new_with_range (1, 64, 1), "vcpus-spin"));
  xp_wizard_labelled (box, _("_vCPUs"), GTK_WIDGET (self->vcpus_spin));
  self->cores_spin = GTK_SPIN_BUTTON (xp_wizard_named (gtk_spin_button_new_with_range (1, 64, 1), "cores-spin"));
  xp_wizard_labelled (box, _("C_ores per socket"), GTK_WIDGET (self->cores_spin));
  self->memory_spin = GTK_SPIN_BUTTON (xp_wizard_named (gtk_spin_button_new_with_range (1, 1024 * 1024, 256), "memory-spin"));
  xp_wizard_labelled (box, _("_Memory (MiB)"), GTK_WIDGET (self->memory_spin));
  self->memory_min_spin = GTK_SPIN_BUTTON (xp_wizard_named (gtk_spin_button_new_with_range (1, 1024 * 1024, 256),
                                                            "memory-min-spin"));
  xp_wizard_labelled (box, _("M_inimum memory (MiB)"), GTK_WIDGET (self->memory_min_spin));
  self->memory_hint = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_xalign (self->memory_hint, 0);
  gtk_label_set_wrap (self->memory_hint, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->memory_hint), "dim-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->memory_hint));
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->memory_min_spin), GTK_ACCESSIBLE_RELATION_DESCRIBED_BY,
                                  self->memory_hint, NULL, -1);
  {
    GtkWidget *heading = gtk_label_new (_("Network interfaces"));

    gtk_label_set_xalign (GTK_LABEL (heading), 0);
    gtk_widget_add_css_class (heading, "heading");
    gtk_box_append (GTK_BOX (box), heading);
    fill_networks (self);
    self->vifs_box = GTK_BOX (xp_wizard_named (gtk_box_new (GTK_ORIENTATION_VERTICAL, 6), "vifs-box"));
    gtk_accessible_update_relation (GTK_ACCESSIBLE (self->vifs_box), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                    heading, NULL, -1);
    gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->vifs_box));
    self->add_vif_button = xp_wizard_named (gtk_button_new_with_mnemonic (_("_Add a Network Interface")), "add-vif");
    gtk_widget_set_halign (self->add_vif_button, GTK_ALIGN_START);
    g_signal_connect_swapped (self->add_vif_button, "clicked", G_CALLBACK (on_add_vif), self);
    gtk_box_append (GTK_BOX (box), self->add_vif_button);
  }

  box = xp_wizard_page_box (self->stack, page_names[PAGE_SUMMARY], _("Summary"));
  self->summary_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "summary-label"));
  gtk_label_set_wrap (self->summary_label, TRUE);
  gtk_label_set_xalign (self->summary_label, 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->summary_label));
  self->start_check = GTK_CHECK_BUTTON (xp_wizard_named (gtk_check_button_new_with_mnemonic (_("_Start the VM when it is created")),
                                               "start-check"));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->start_check));

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

  fill_templates (self);

  g_signal_connect_swapped (self->search, "search-changed", G_CALLBACK (on_search_changed), self);
  g_signal_connect_swapped (self->template_list, "selected-rows-changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->name_entry, "changed", G_CALLBACK (on_changed), self);
  /* "changed": checked as the user types, not only once the text is taken */
  g_signal_connect_swapped (self->vcpus_spin, "changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->cores_spin, "changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->memory_spin, "changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->memory_min_spin, "changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->memory_spin, "value-changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->memory_min_spin, "value-changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->vcpus_spin, "value-changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->cores_spin, "value-changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->media_iso, "toggled", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->iso_dropdown, "notify::selected", G_CALLBACK (on_changed), self);

  self->page = PAGE_TEMPLATE;
  update_buttons (self);
  return GTK_WINDOW (self);
}

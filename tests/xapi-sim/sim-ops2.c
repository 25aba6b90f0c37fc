/* sim-ops2.c: devices, storage, networks, hosts and pool HA
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "sim.h"

#define ROW_ARG(name, i) SimRow *name = sim_arg_row (call, i); if (name == NULL) return

static gboolean
vm_running (SimRow *vm)
{
  return vm && strcmp (sim_row_str (vm, "power_state"), "Running") == 0;
}

static void
fin_void (SimOp *op)
{
  sim_call_return (op->call, NULL);
}

static void
nothing (SimOp *op)
{
}

/* ---------------------------------------------------------------- VBD / VIF */

static void
fin_plug (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *d = sim_db_find (sim, op->target_ref);

  if (d)
    {
      sim_row_set_bool (sim, d, "currently_attached", op->i1);
      sim_row_set (sim, d, "allowed_operations",
                   op->i1 ? sv_strset ("attach", "unplug", NULL) : sv_strset ("attach", "plug", NULL));
    }
  sim_call_return (op->call, NULL);
}

static void
device_plug (SimCall *call,
             gboolean plug,
             const char *opname)
{
  Sim *sim = call->sim;
  SimOp *op;
  ROW_ARG (d, 0);
  SimRow *vm = sim_row_deref (sim, d, "VM");

  if (!vm_running (vm))
    {
      g_autofree char *actual = g_ascii_strdown (vm ? sim_row_str (vm, "power_state") : "halted", -1);
      sim_call_failf (call, "VM_BAD_POWER_STATE", vm ? vm->ref : "OpaqueRef:NULL", "running", actual, NULL);
      return;
    }
  if (sim_row_bool (d, "currently_attached") == plug)
    {
      sim_call_failf (call, plug ? "DEVICE_ALREADY_ATTACHED" : "DEVICE_ALREADY_DETACHED", d->ref, NULL);
      return;
    }
  op = sim_op_start (call, d, opname, sim_scaled (sim, 1.0), fin_plug, NULL);
  if (op)
    op->i1 = plug;
}

static void h_vbd_plug (SimCall *call) { device_plug (call, TRUE, "plug"); }
static void h_vbd_unplug (SimCall *call) { device_plug (call, FALSE, "unplug"); }

static void
device_destroy (SimCall *call)
{
  ROW_ARG (d, 0);
  if (sim_row_bool (d, "currently_attached"))
    {
      sim_call_failf (call, "OPERATION_NOT_ALLOWED", "VBD or VIF is still attached", NULL);
      return;
    }
  if (sim_row_deref (call->sim, d, "metrics"))
    sim_db_remove (call->sim, sim_row_deref (call->sim, d, "metrics"));
  sim_db_remove (call->sim, d);
  sim_call_return (call, NULL);
}

static void
fin_insert (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *vbd = sim_db_find (sim, op->target_ref);

  if (vbd)
    {
      sim_row_set (sim, vbd, "VDI", sv_str (op->s1 ? op->s1 : "OpaqueRef:NULL"));
      sim_row_set_bool (sim, vbd, "empty", op->s1 == NULL);
    }
  sim_call_return (op->call, NULL);
}

static void
h_vbd_insert (SimCall *call)
{
  SimOp *op;
  ROW_ARG (vbd, 0);
  ROW_ARG (vdi, 1);
  if (strcmp (sim_row_str (vbd, "type"), "CD") != 0)
    {
      sim_call_failf (call, "VBD_NOT_REMOVABLE_MEDIA", vbd->ref, NULL);
      return;
    }
  if (!sim_row_bool (vbd, "empty"))
    {
      sim_call_failf (call, "VBD_NOT_EMPTY", vbd->ref, NULL);
      return;
    }
  op = sim_op_start (call, vbd, "insert", sim_scaled (call->sim, 0.5), fin_insert, NULL);
  if (op)
    op->s1 = g_strdup (vdi->ref);
}

static void
h_vbd_eject (SimCall *call)
{
  ROW_ARG (vbd, 0);
  if (strcmp (sim_row_str (vbd, "type"), "CD") != 0)
    {
      sim_call_failf (call, "VBD_NOT_REMOVABLE_MEDIA", vbd->ref, NULL);
      return;
    }
  if (sim_row_bool (vbd, "empty"))
    {
      sim_call_failf (call, "VBD_IS_EMPTY", vbd->ref, NULL);
      return;
    }
  sim_op_start (call, vbd, "eject", sim_scaled (call->sim, 0.5), fin_insert, NULL);
}

/* ---------------------------------------------------------------- VDI */

static gboolean
vdi_in_use (Sim    *sim,
            SimRow *vdi)
{
  JsonArray *a = json_node_get_array (sim_row_value (vdi, "VBDs"));
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      SimRow *vbd = sim_db_find (sim, json_array_get_string_element (a, i));
      if (vbd && sim_row_bool (vbd, "currently_attached"))
        return TRUE;
    }
  return FALSE;
}

static void
h_vdi_destroy (SimCall *call)
{
  Sim *sim = call->sim;
  ROW_ARG (vdi, 0);
  if (vdi_in_use (sim, vdi))
    {
      sim_call_failf (call, "VDI_IN_USE", vdi->ref, "destroy", NULL);
      return;
    }
  {
    SimRow *sr = sim_row_deref (sim, vdi, "SR");
    if (sr)
      sim_row_set_int (sim, sr, "virtual_allocation",
                       MAX (0, sim_row_int (sr, "virtual_allocation") - sim_row_int (vdi, "virtual_size")));
  }
  sim_db_remove (sim, vdi);
  sim_call_return (call, NULL);
}

static void
h_vdi_resize (SimCall *call)
{
  Sim *sim = call->sim;
  JsonNode *size = sim_arg (call, 1);
  ROW_ARG (vdi, 0);
  if (size == NULL || json_node_get_int (size) < sim_row_int (vdi, "virtual_size"))
    {
      sim_call_failf (call, "VDI_TOO_SMALL", vdi->ref, "0", NULL);
      return;
    }
  sim_row_set_int (sim, vdi, "virtual_size", json_node_get_int (size));
  sim_call_return (call, NULL);
}

static void
fin_vdi_copy (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *vdi = sim_db_find (sim, op->target_ref);
  SimRow *sr = op->s1 ? sim_db_find (sim, op->s1) : NULL;
  SimRow *n = sim_db_copy_row (sim, vdi);

  if (sr)
    sim_row_set_ref (sim, n, "SR", sr);
  sim_row_set_str (sim, n, "location", sim_row_str (n, "uuid"));
  sim_row_set_bool (sim, n, "is_a_snapshot", op->i1);
  sim_row_set_ref (sim, n, "snapshot_of", op->i1 ? vdi : NULL);
  sim_call_return (op->call, sv_str (n->ref));
}

static void
h_vdi_copy (SimCall *call)
{
  SimOp *op;
  ROW_ARG (vdi, 0);
  ROW_ARG (sr, 1);
  op = sim_op_start (call, vdi, "copy", sim_scaled (call->sim, 5.0), fin_vdi_copy, nothing);
  if (op)
    op->s1 = g_strdup (sr->ref);
}

static void
h_vdi_clone (SimCall *call)
{
  ROW_ARG (vdi, 0);
  sim_op_start (call, vdi, "clone", sim_scaled (call->sim, 1.0), fin_vdi_copy, nothing);
}

static void
h_vdi_snapshot (SimCall *call)
{
  SimOp *op;
  ROW_ARG (vdi, 0);
  op = sim_op_start (call, vdi, "snapshot", sim_scaled (call->sim, 1.0), fin_vdi_copy, nothing);
  if (op)
    op->i1 = TRUE;
}

/* ---------------------------------------------------------------- SR / PBD */

static const char *sr_types[] = { "nfs", "iso", "lvm", "ext", "lvmoiscsi", "udev", "smb", NULL };

/* The storage behind SRs, as the SM backends see it: deterministic iSCSI
 * targets, SMB shares and local disks.  What is written on a LUN, share or
 * disk (the uuid and type of the SR formatted there) outlives the SR's
 * database record, so SR.forget then SR.probe finds it again and
 * SR.introduce + PBD.create + PBD.plug reattaches it.  Passwords are only
 * compared, never logged. */

typedef struct {
  const char *scsi_id;
  const char *iqn;
  int         lun_id;
  gint64      size;
  const char *existing;   /* an SR already on the LUN, or NULL */
} SimLun;

#define SIM_PORTAL_NAME "san01.lab.example"
#define SIM_PORTAL_IP "192.0.2.40"
#define SIM_IQN_VMS "iqn.2026-01.example.lab:san01.vms"
#define SIM_IQN_CHAP "iqn.2026-01.example.lab:san01.secure"

static const SimLun sim_luns[] = {
  { "36001405a1b2c3d4e5f600000000000a1", SIM_IQN_VMS, 0, 107374182400LL, "5c1e7a2e-0d6b-4f51-9a54-2f0e6b1d0a01" },
  { "36001405a1b2c3d4e5f600000000000a2", SIM_IQN_VMS, 1, 214748364800LL, NULL },
  { "36001405a1b2c3d4e5f600000000000b1", SIM_IQN_CHAP, 0, 536870912000LL, NULL },
};

typedef struct {
  const char *path;
  const char *existing;   /* an SR directory already on the share */
} SimShare;

#define SIM_SMB_USER "xen"
#define SIM_SMB_PASSWORD "smb-secret"
#define SIM_CHAP_USER "chapuser"
#define SIM_CHAP_PASSWORD "chap-secret"

static const SimShare sim_shares[] = {
  { "//fs01.lab.example/vms", "8d3f2b6c-1e4a-4c2b-b7d5-6a9e0f1c2d03" },
  { "//fs01.lab.example/vms2", NULL },
  { "//fs01.lab.example/isos", NULL },
};

static const struct { const char *device; gint64 size; gboolean has_sr; } sim_disks[] = {
  { "/dev/sdb", 536870912000LL, FALSE },
  { "/dev/sdc", 268435456000LL, TRUE },
};

/* key ("iscsi:SCSIid", "smb://host/share", "local:<host uuid>:/dev/sdX")
 * -> "uuid type" of the SR written there; per simulator */
static GHashTable *
backend_table (Sim *sim)
{
  static GHashTable *all = NULL;
  GHashTable *t;

  if (all == NULL)
    all = g_hash_table_new (NULL, NULL);
  t = g_hash_table_lookup (all, sim);
  if (t == NULL)
    {
      t = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      for (guint i = 0; i < G_N_ELEMENTS (sim_luns); i++)
        if (sim_luns[i].existing)
          g_hash_table_insert (t, g_strconcat ("iscsi:", sim_luns[i].scsi_id, NULL),
                               g_strconcat (sim_luns[i].existing, " lvmoiscsi", NULL));
      for (guint i = 0; i < G_N_ELEMENTS (sim_shares); i++)
        if (sim_shares[i].existing)
          g_hash_table_insert (t, g_strconcat ("smb:", sim_shares[i].path, NULL),
                               g_strconcat (sim_shares[i].existing, " smb", NULL));
      g_hash_table_insert (all, sim, t);
    }
  return t;
}

/* The SR on disk @device of @host: one written at install time on the
 * disks that have one, with a uuid derived from the host's. */
static const char *
local_disk_lookup (Sim        *sim,
                   SimRow     *host,
                   const char *key,
                   gboolean    has_sr)
{
  GHashTable *t = backend_table (sim);
  g_autofree char *seeded = g_strconcat ("seeded:", key, NULL);

  if (has_sr && !g_hash_table_contains (t, seeded))
    {
      g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_MD5, key, -1);
      g_hash_table_insert (t, g_strdup (seeded), g_strdup ("1"));
      g_hash_table_insert (t, g_strdup (key),
                           g_strdup_printf ("%.8s-%.4s-4%.3s-8%.3s-%.12s lvm", sum, sum + 8, sum + 13, sum + 17, sum + 20));
    }
  (void) host;
  return g_hash_table_lookup (t, key);
}

static const char *
dc_get (JsonNode   *dc,
        const char *key)
{
  JsonObject *o = dc && JSON_NODE_HOLDS_OBJECT (dc) ? json_node_get_object (dc) : NULL;
  JsonNode *v = o && json_object_has_member (o, key) ? json_object_get_member (o, key) : NULL;

  return v && JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING ? json_node_get_string (v) : NULL;
}

/* Where an SR of @type with @dc lives: sets *key (owned) and *size, or
 * fails @call as the SM backend would (with the probe XML xapi attaches to
 * SR_BACKEND_FAILURE_96 / _107) and returns FALSE.  *key is NULL for
 * storage the simulator does not model (NFS, ISO libraries). */
static gboolean
backend_resolve (SimCall    *call,
                 SimRow     *host,
                 const char *type,
                 JsonNode   *dc,
                 char      **key,
                 gint64     *size)
{
  Sim *sim = call->sim;

  *key = NULL;
  *size = 0;
  if (strcmp (type, "lvmoiscsi") == 0)
    {
      const char *target = dc_get (dc, "target");
      const char *iqn = dc_get (dc, "targetIQN");
      const char *scsi_id = dc_get (dc, "SCSIid");
      const char *chap_user = dc_get (dc, "chapuser");
      const char *chap_password = dc_get (dc, "chappassword");
      g_autoptr(GString) xml = g_string_new ("<?xml version=\"1.0\" ?>\n");

      if (target == NULL || *target == '\0')
        {
          sim_call_failf (call, "SR_BACKEND_FAILURE_95", "", "The request is missing the target parameter", "", NULL);
          return FALSE;
        }
      if (strcmp (target, SIM_PORTAL_NAME) != 0 && strcmp (target, SIM_PORTAL_IP) != 0)
        {
          if (strspn (target, "0123456789.") == strlen (target))
            sim_call_failf (call, "SR_BACKEND_FAILURE_141", "", "Unable to connect to ISCSI service on target", "", NULL);
          else
            sim_call_failf (call, "SR_BACKEND_FAILURE_140", "", "Incorrect DNS name, unable to resolve.", "", NULL);
          return FALSE;
        }
      if (iqn == NULL || (strcmp (iqn, SIM_IQN_VMS) != 0 && strcmp (iqn, SIM_IQN_CHAP) != 0))
        {
          const char *iqns[] = { SIM_IQN_VMS, SIM_IQN_CHAP, "*" };
          g_string_append (xml, "<iscsi-target-iqns>\n");
          for (guint i = 0; i < G_N_ELEMENTS (iqns); i++)
            g_string_append_printf (xml, "\t<TGT>\n\t\t<Index>%u</Index>\n\t\t<IPAddress>%s</IPAddress>\n"
                                    "\t\t<TargetIQN>%s</TargetIQN>\n\t</TGT>\n", i, SIM_PORTAL_IP, iqns[i]);
          g_string_append (xml, "</iscsi-target-iqns>\n");
          sim_call_failf (call, "SR_BACKEND_FAILURE_96", "",
                          "The request is missing or has an incorrect target IQN parameter", xml->str, NULL);
          return FALSE;
        }
      if (strcmp (iqn, SIM_IQN_CHAP) == 0
          && (g_strcmp0 (chap_user, SIM_CHAP_USER) != 0 || g_strcmp0 (chap_password, SIM_CHAP_PASSWORD) != 0))
        {
          sim_call_failf (call, "SR_BACKEND_FAILURE_68", "", "ISCSI login failed - check access settings for the initiator on the storage, if CHAP is used verify CHAP credentials", "", NULL);
          return FALSE;
        }
      for (guint i = 0; scsi_id != NULL && i < G_N_ELEMENTS (sim_luns); i++)
        if (strcmp (sim_luns[i].iqn, iqn) == 0 && strcmp (sim_luns[i].scsi_id, scsi_id) == 0)
          {
            *key = g_strconcat ("iscsi:", scsi_id, NULL);
            *size = sim_luns[i].size;
            return TRUE;
          }
      g_string_append (xml, "<iscsi-target>\n\t<Adapter>\n\t\t<host>host2</host>\n\t\t<name>iscsi_tcp</name>\n"
                       "\t\t<manufacturer>iSCSI</manufacturer>\n\t\t<id>2</id>\n\t</Adapter>\n");
      for (guint i = 0; i < G_N_ELEMENTS (sim_luns); i++)
        if (strcmp (sim_luns[i].iqn, iqn) == 0)
          g_string_append_printf (xml, "\t<LUN>\n\t\t<vendor>LIO-ORG</vendor>\n\t\t<serial>%s</serial>\n"
                                  "\t\t<LUNid>%d</LUNid>\n\t\t<size>%" G_GINT64_FORMAT "</size>\n"
                                  "\t\t<SCSIid>%s</SCSIid>\n\t</LUN>\n",
                                  sim_luns[i].scsi_id + 24, sim_luns[i].lun_id, sim_luns[i].size, sim_luns[i].scsi_id);
      g_string_append (xml, "</iscsi-target>\n");
      sim_call_failf (call, "SR_BACKEND_FAILURE_107", "", "The SCSIid parameter is missing or incorrect", xml->str, NULL);
      return FALSE;
    }
  if (strcmp (type, "smb") == 0 || (strcmp (type, "iso") == 0 && g_strcmp0 (dc_get (dc, "type"), "cifs") == 0))
    {
      gboolean iso = strcmp (type, "iso") == 0;
      const char *path = dc_get (dc, iso ? "location" : "server");
      const char *password = dc_get (dc, iso ? "cifspassword" : "password");

      if (path == NULL || *path == '\0')
        {
          sim_call_failf (call, "SR_BACKEND_FAILURE_37", "", iso ? "The request is missing the location parameter"
                                                                : "The request is missing the server parameter", "", NULL);
          return FALSE;
        }
      for (guint i = 0; i < G_N_ELEMENTS (sim_shares); i++)
        if (strcmp (sim_shares[i].path, path) == 0)
          {
            if (g_strcmp0 (dc_get (dc, "username"), SIM_SMB_USER) != 0 || g_strcmp0 (password, SIM_SMB_PASSWORD) != 0)
              {
                sim_call_failf (call, iso ? "SR_BACKEND_FAILURE_222" : "SR_BACKEND_FAILURE_111", "",
                                iso ? "Could not mount the directory specified in Device Configuration"
                                    : "SMB mount error [opterr=mount error(13): Permission denied]", "", NULL);
                return FALSE;
              }
            *key = iso ? NULL : g_strconcat ("smb:", path, NULL);
            *size = 1LL << 40;
            return TRUE;
          }
      sim_call_failf (call, iso ? "SR_BACKEND_FAILURE_222" : "SR_BACKEND_FAILURE_111", "",
                      iso ? "Could not mount the directory specified in Device Configuration"
                          : "SMB mount error [opterr=mount error(2): No such file or directory]", "", NULL);
      return FALSE;
    }
  if (strcmp (type, "lvm") == 0 || strcmp (type, "ext") == 0)
    {
      const char *device = dc_get (dc, "device");

      if (device == NULL || *device == '\0')
        {
          sim_call_failf (call, "SR_BACKEND_FAILURE_90", "", "The request is missing the device parameter", "", NULL);
          return FALSE;
        }
      for (guint i = 0; i < G_N_ELEMENTS (sim_disks); i++)
        if (strcmp (sim_disks[i].device, device) == 0)
          {
            *key = g_strdup_printf ("local:%s:%s", sim_row_str (host, "uuid"), device);
            *size = sim_disks[i].size;
            local_disk_lookup (sim, host, *key, sim_disks[i].has_sr);
            return TRUE;
          }
      /* a partition or disk of the scenario's own local SRs: not modelled */
      if (g_str_has_prefix (device, "/dev/sda"))
        return TRUE;
      sim_call_failf (call, "SR_BACKEND_FAILURE_77", "", "Logical Volume group creation failed",
                      "", NULL);
      return FALSE;
    }
  return TRUE;
}

/* "uuid type" written at @key, or NULL */
static const char *
backend_get (Sim        *sim,
             const char *key)
{
  return key ? g_hash_table_lookup (backend_table (sim), key) : NULL;
}

static void
h_sr_create (SimCall *call)
{
  Sim *sim = call->sim;
  JsonNode *dc = sim_arg (call, 1);
  JsonNode *size = sim_arg (call, 2);
  const char *type = sim_arg_str (call, 5);
  const char *content = sim_arg_str (call, 6);
  JsonNode *shared = sim_arg (call, 7);
  gboolean is_shared = shared && json_node_get_boolean (shared);
  SimRow *sr;
  g_autofree char *key = NULL;
  gint64 backend_size = 0;
  ROW_ARG (host, 0);

  if (type == NULL || !g_strv_contains (sr_types, type))
    {
      sim_call_failf (call, "SR_UNKNOWN_DRIVER", type ? type : "", NULL);
      return;
    }
  if (strcmp (type, "nfs") == 0
      && !(dc && JSON_NODE_HOLDS_OBJECT (dc) && json_object_has_member (json_node_get_object (dc), "server")))
    {
      sim_call_failf (call, "SR_BACKEND_FAILURE_87", "", "The request is missing the server parameter", NULL);
      return;
    }
  if (!backend_resolve (call, host, type, dc, &key, &backend_size))
    return;
  sr = sim_db_add (sim, "SR", NULL);
  if (key != NULL)
    {
      /* formatting: whatever SR was written there is gone */
      g_hash_table_insert (backend_table (sim), g_strdup (key),
                           g_strdup_printf ("%s %s", sim_row_str (sr, "uuid"), type));
      if (!(size && json_node_get_int (size) > 0))
        sim_row_set_int (sim, sr, "physical_size", backend_size);
    }
  sim_row_set_str (sim, sr, "name_label", sim_arg_str (call, 3) ? sim_arg_str (call, 3) : "");
  sim_row_set_str (sim, sr, "name_description", sim_arg_str (call, 4) ? sim_arg_str (call, 4) : "");
  sim_row_set_str (sim, sr, "type", type);
  sim_row_set_str (sim, sr, "content_type", content ? content : "");
  sim_row_set_bool (sim, sr, "shared", is_shared);
  if (backend_size == 0 || (size && json_node_get_int (size) > 0))
    sim_row_set_int (sim, sr, "physical_size", size && json_node_get_int (size) > 0 ? json_node_get_int (size) : 1LL << 40);
  sim_row_set (sim, sr, "allowed_operations", sv_strset ("vdi_create", "vdi_destroy", "scan", "forget", "plug",
                                                         "unplug", "destroy", NULL));
  {
    JsonNode *sm = sim_arg (call, 8);
    if (sm && JSON_NODE_HOLDS_OBJECT (sm))
      sim_row_set (sim, sr, "sm_config", json_node_copy (sm));
  }
  for (guint i = 0; i < sim->hosts->len; i++)
    {
      SimRow *h = sim->hosts->pdata[i];
      SimRow *pbd;
      if (!is_shared && h != host)
        continue;
      pbd = sim_db_add (sim, "PBD", NULL);
      sim_row_set_ref (sim, pbd, "SR", sr);
      sim_row_set_ref (sim, pbd, "host", h);
      sim_row_set_bool (sim, pbd, "currently_attached", TRUE);
      if (dc && JSON_NODE_HOLDS_OBJECT (dc))
        sim_row_set (sim, pbd, "device_config", json_node_copy (dc));
    }
  sim_call_return (call, sv_str (sr->ref));
}

static void
h_sr_probe (SimCall *call)
{
  const char *type = sim_arg_str (call, 2);
  g_autofree char *key = NULL;
  gint64 backend_size = 0;
  ROW_ARG (host, 0);
  if (type == NULL || !g_strv_contains (sr_types, type))
    {
      sim_call_failf (call, "SR_UNKNOWN_DRIVER", type ? type : "", NULL);
      return;
    }
  if (strcmp (type, "nfs") != 0 && !backend_resolve (call, host, type, sim_arg (call, 1), &key, &backend_size))
    return;
  if (key != NULL)
    {
      const char *found = backend_get (call->sim, key);
      g_auto(GStrv) parts = found ? g_strsplit (found, " ", 2) : NULL;
      g_autoptr(GString) xml = g_string_new ("<?xml version=\"1.0\" ?>\n<SRlist>\n");

      /* a backend only recognises its own SRs */
      if (parts != NULL && g_strcmp0 (parts[1], type) == 0)
        g_string_append_printf (xml, "\t<SR>\n\t\t<UUID>%s</UUID>\n\t\t<size>%" G_GINT64_FORMAT "</size>\n\t</SR>\n",
                                parts[0], backend_size);
      g_string_append (xml, "</SRlist>\n");
      sim_call_return (call, sv_str (xml->str));
    }
  else if (strcmp (type, "nfs") == 0)
    sim_call_return (call, sv_str ("<?xml version=\"1.0\" ?>\n<nfs-exports>\n\t<Export>\n\t\t<Target>nas01.lab.example</Target>\n"
                                   "\t\t<Path>/export/vms</Path>\n\t\t<Accesslist>*</Accesslist>\n\t</Export>\n</nfs-exports>\n"));
  else
    sim_call_return (call, sv_str ("<?xml version=\"1.0\" ?>\n<SRlist>\n</SRlist>\n"));
}

static gboolean
sr_has_attached_pbd (Sim    *sim,
                     SimRow *sr)
{
  JsonArray *a = json_node_get_array (sim_row_value (sr, "PBDs"));
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      SimRow *pbd = sim_db_find (sim, json_array_get_string_element (a, i));
      if (pbd && sim_row_bool (pbd, "currently_attached"))
        return TRUE;
    }
  return FALSE;
}

static void
sr_remove (Sim      *sim,
           SimRow   *sr,
           gboolean  with_vdis)
{
  for (int pass = 0; pass < 2; pass++)
    {
      const char *f = pass == 0 ? "PBDs" : "VDIs";
      JsonNode *n;
      if (pass == 1 && !with_vdis)
        {
          /* forgotten VDIs vanish from the database too */
        }
      while ((n = sim_row_value (sr, f)) && json_array_get_length (json_node_get_array (n)) > 0)
        {
          SimRow *d = sim_db_find (sim, json_array_get_string_element (json_node_get_array (n), 0));
          if (d == NULL)
            break;
          sim_db_remove (sim, d);
        }
    }
  sim_db_remove (sim, sr);
}

static void
h_sr_forget (SimCall *call)
{
  ROW_ARG (sr, 0);
  if (sr_has_attached_pbd (call->sim, sr))
    {
      sim_call_failf (call, "SR_HAS_PBD", sr->ref, NULL);
      return;
    }
  sr_remove (call->sim, sr, FALSE);
  sim_call_return (call, NULL);
}

static void
h_sr_destroy (SimCall *call)
{
  Sim *sim = call->sim;
  ROW_ARG (sr, 0);
  if (sr_has_attached_pbd (sim, sr))
    {
      sim_call_failf (call, "SR_HAS_PBD", sr->ref, NULL);
      return;
    }
  {
    JsonArray *a = json_node_get_array (sim_row_value (sr, "VDIs"));
    for (guint i = 0; i < json_array_get_length (a); i++)
      {
        SimRow *vdi = sim_db_find (sim, json_array_get_string_element (a, i));
        if (vdi && vdi_in_use (sim, vdi))
          {
            sim_call_failf (call, "VDI_IN_USE", vdi->ref, "destroy", NULL);
            return;
          }
      }
  }
  sr_remove (sim, sr, TRUE);
  sim_call_return (call, NULL);
}

static void
h_sr_scan (SimCall *call)
{
  ROW_ARG (sr, 0);
  sim_op_start (call, sr, "scan", sim_scaled (call->sim, 1.0), fin_void, NULL);
}

static void
fin_pbd (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *pbd = sim_db_find (sim, op->target_ref);
  if (pbd)
    sim_row_set_bool (sim, pbd, "currently_attached", op->i1);
  sim_call_return (op->call, NULL);
}

static void
pbd_plug (SimCall *call,
          gboolean plug)
{
  Sim *sim = call->sim;
  SimOp *op;
  ROW_ARG (pbd, 0);

  if (!plug)
    {
      SimRow *sr = sim_row_deref (sim, pbd, "SR");
      JsonArray *a = sr ? json_node_get_array (sim_row_value (sr, "VDIs")) : NULL;
      for (guint i = 0; a && i < json_array_get_length (a); i++)
        {
          SimRow *vdi = sim_db_find (sim, json_array_get_string_element (a, i));
          if (vdi && vdi_in_use (sim, vdi))
            {
              sim_call_failf (call, "VDI_IN_USE", vdi->ref, "unplug", NULL);
              return;
            }
        }
    }
  if (plug)
    {
      /* the backend attaches what is on the storage, which must be this SR */
      SimRow *sr = sim_row_deref (sim, pbd, "SR");
      SimRow *host = sim_row_deref (sim, pbd, "host");
      g_autofree char *key = NULL;
      gint64 size = 0;
      const char *found;

      if (sr == NULL || host == NULL)
        {
          sim_call_failf (call, "HANDLE_INVALID", sr == NULL ? "SR" : "host", "OpaqueRef:NULL", NULL);
          return;
        }
      /* the plug runs on the PBD's host */
      if (sim_row_deref (sim, host, "metrics") && !sim_row_bool (sim_row_deref (sim, host, "metrics"), "live"))
        {
          sim_call_failf (call, "HOST_OFFLINE", host->ref, NULL);
          return;
        }
      if (!backend_resolve (call, host, sim_row_str (sr, "type"), sim_row_value (pbd, "device_config"), &key, &size))
        return;
      found = backend_get (sim, key);
      if (key != NULL && (found == NULL || !g_str_has_prefix (found, sim_row_str (sr, "uuid"))))
        {
          g_autofree char *why = g_strdup_printf ("The SR is not available [opterr=no SR %s on the storage]",
                                                  sim_row_str (sr, "uuid"));
          sim_call_failf (call, "SR_BACKEND_FAILURE_47", "", why, "", NULL);
          return;
        }
      if (key != NULL && sim_row_int (sr, "physical_size") <= 0)
        sim_row_set_int (sim, sr, "physical_size", size);
    }
  op = sim_op_start (call, NULL, plug ? "plug" : "unplug", sim_scaled (sim, 1.0), fin_pbd, NULL);
  if (op)
    {
      op->target_ref = g_strdup (pbd->ref);
      op->i1 = plug;
    }
}

static void h_pbd_plug (SimCall *call) { pbd_plug (call, TRUE); }
static void h_pbd_unplug (SimCall *call) { pbd_plug (call, FALSE); }

static void
h_pbd_destroy (SimCall *call)
{
  ROW_ARG (pbd, 0);
  if (sim_row_bool (pbd, "currently_attached"))
    {
      sim_call_failf (call, "OPERATION_NOT_ALLOWED", "PBD is currently attached", NULL);
      return;
    }
  sim_db_remove (call->sim, pbd);
  sim_call_return (call, NULL);
}

/* SR.introduce: a record for an SR that already exists on its storage; no
 * PBDs (the client creates and plugs them) and nothing is formatted. */
static void
h_sr_introduce (SimCall *call)
{
  Sim *sim = call->sim;
  const char *uuid = sim_arg_str (call, 0);
  const char *type = sim_arg_str (call, 3);
  const char *content = sim_arg_str (call, 4);
  JsonNode *shared = sim_arg (call, 5);
  JsonNode *sm = sim_arg (call, 6);
  GHashTableIter it;
  gpointer row;
  SimRow *sr;

  if (type == NULL || !g_strv_contains (sr_types, type))
    {
      sim_call_failf (call, "SR_UNKNOWN_DRIVER", type ? type : "", NULL);
      return;
    }
  if (uuid == NULL || !g_uuid_string_is_valid (uuid))
    {
      sim_call_failf (call, "UUID_INVALID", "SR", uuid ? uuid : "", NULL);
      return;
    }
  g_hash_table_iter_init (&it, sim_model_class (sim->model, "SR")->rows);
  while (g_hash_table_iter_next (&it, NULL, &row))
    if (g_strcmp0 (sim_row_str (row, "uuid"), uuid) == 0)
      {
        sim_call_failf (call, "SR_UUID_EXISTS", uuid, NULL);
        return;
      }
  sr = sim_db_add (sim, "SR", NULL);
  sim_row_set_str (sim, sr, "uuid", uuid);
  sim_row_set_str (sim, sr, "name_label", sim_arg_str (call, 1) ? sim_arg_str (call, 1) : "");
  sim_row_set_str (sim, sr, "name_description", sim_arg_str (call, 2) ? sim_arg_str (call, 2) : "");
  sim_row_set_str (sim, sr, "type", type);
  sim_row_set_str (sim, sr, "content_type", content ? content : "");
  sim_row_set_bool (sim, sr, "shared", shared && json_node_get_boolean (shared));
  sim_row_set (sim, sr, "allowed_operations", sv_strset ("vdi_create", "vdi_destroy", "scan", "forget", "plug",
                                                         "unplug", "destroy", NULL));
  if (sm && JSON_NODE_HOLDS_OBJECT (sm))
    sim_row_set (sim, sr, "sm_config", json_node_copy (sm));
  sim_call_return (call, sv_str (sr->ref));
}

/* ---------------------------------------------------------------- networks */

static SimRow *
new_pif (Sim        *sim,
         SimRow     *host,
         SimRow     *network,
         const char *device,
         gint64      vlan,
         const char *mac)
{
  SimRow *p = sim_db_add (sim, "PIF", NULL);
  SimRow *m = sim_db_add (sim, "PIF_metrics", NULL);

  sim_row_set_ref (sim, p, "host", host);
  sim_row_set_ref (sim, p, "network", network);
  sim_row_set_str (sim, p, "device", device);
  sim_row_set_int (sim, p, "VLAN", vlan);
  sim_row_set_str (sim, p, "MAC", mac);
  sim_row_set_int (sim, p, "MTU", 1500);
  sim_row_set_bool (sim, p, "currently_attached", TRUE);
  sim_row_set_bool (sim, p, "managed", TRUE);
  sim_row_set_str (sim, p, "ip_configuration_mode", "None");
  sim_row_set_bool (sim, m, "carrier", TRUE);
  sim_row_set_int (sim, m, "speed", 10000);
  sim_row_set_ref (sim, p, "metrics", m);
  return p;
}

static void
h_vlan_create (SimCall *call)
{
  Sim *sim = call->sim;
  JsonNode *tag = sim_arg (call, 1);
  SimRow *vlan, *pif;
  ROW_ARG (tagged, 0);
  ROW_ARG (net, 2);

  if (tag == NULL || json_node_get_int (tag) < 0 || json_node_get_int (tag) > 4094)
    {
      g_autofree char *t = g_strdup_printf ("%" G_GINT64_FORMAT, tag ? json_node_get_int (tag) : -1);
      sim_call_failf (call, "VLAN_TAG_INVALID", t, NULL);
      return;
    }
  vlan = sim_db_add (sim, "VLAN", NULL);
  pif = new_pif (sim, sim_row_deref (sim, tagged, "host"), net, sim_row_str (tagged, "device"), json_node_get_int (tag),
                 sim_row_str (tagged, "MAC"));
  sim_row_set_ref (sim, vlan, "tagged_PIF", tagged);
  sim_row_set_ref (sim, vlan, "untagged_PIF", pif);
  sim_row_set_int (sim, vlan, "tag", json_node_get_int (tag));
  sim_row_set_ref (sim, pif, "VLAN_master_of", vlan);
  sim_call_return (call, sv_str (vlan->ref));
}

static void
h_vlan_destroy (SimCall *call)
{
  Sim *sim = call->sim;
  ROW_ARG (vlan, 0);
  SimRow *pif = sim_row_deref (sim, vlan, "untagged_PIF");

  sim_db_remove (sim, vlan);
  if (pif)
    {
      SimRow *m = sim_row_deref (sim, pif, "metrics");
      if (m)
        sim_db_remove (sim, m);
      sim_db_remove (sim, pif);
    }
  sim_call_return (call, NULL);
}

static void
h_pool_create_vlan (SimCall *call)
{
  Sim *sim = call->sim;
  const char *device = sim_arg_str (call, 0);
  JsonNode *tag = sim_arg (call, 2);
  JsonNode *out = sv_empty_set ();
  SimClass *pifs = sim_model_class (sim->model, "PIF");
  g_autoptr(GPtrArray) rows = sim_rows_array (pifs);
  ROW_ARG (net, 1);

  for (guint i = 0; i < rows->len; i++)
    {
      SimRow *p = rows->pdata[i];
      if (g_strcmp0 (sim_row_str (p, "device"), device) == 0 && sim_row_int (p, "VLAN") < 0 && sim_row_bool (p, "physical"))
        {
          SimRow *vlan = sim_db_add (sim, "VLAN", NULL);
          SimRow *pif = new_pif (sim, sim_row_deref (sim, p, "host"), net, device, json_node_get_int (tag),
                                 sim_row_str (p, "MAC"));
          sim_row_set_ref (sim, vlan, "tagged_PIF", p);
          sim_row_set_ref (sim, vlan, "untagged_PIF", pif);
          sim_row_set_int (sim, vlan, "tag", json_node_get_int (tag));
          sim_row_set_ref (sim, pif, "VLAN_master_of", vlan);
          json_array_add_string_element (json_node_get_array (out), pif->ref);
        }
    }
  sim_call_return (call, out);
}

/* pool.create_VLAN_from_PIF (pif, network, VLAN): the VLAN on the
 * physical PIFs of every host with the device of @pif (xapi_pool.ml). */
static void
h_pool_create_vlan_from_pif (SimCall *call)
{
  Sim *sim = call->sim;
  JsonNode *tag = sim_arg (call, 2);
  JsonNode *out;
  SimClass *pifs = sim_model_class (sim->model, "PIF");
  g_autoptr(GPtrArray) rows = sim_rows_array (pifs);
  const char *device;
  ROW_ARG (pif, 0);
  ROW_ARG (net, 1);

  if (tag == NULL || json_node_get_int (tag) < 0 || json_node_get_int (tag) > 4094)
    {
      g_autofree char *t = g_strdup_printf ("%" G_GINT64_FORMAT, tag ? json_node_get_int (tag) : -1);
      sim_call_failf (call, "VLAN_TAG_INVALID", t, NULL);
      return;
    }
  if (sim_row_int (pif, "VLAN") >= 0)
    {
      sim_call_failf (call, "PIF_IS_VLAN", pif->ref, NULL);
      return;
    }
  device = sim_row_str (pif, "device");
  /* the tag must be free on that device */
  for (guint i = 0; i < rows->len; i++)
    {
      SimRow *p = rows->pdata[i];
      if (g_strcmp0 (sim_row_str (p, "device"), device) == 0 && sim_row_int (p, "VLAN") == json_node_get_int (tag))
        {
          sim_call_failf (call, "PIF_VLAN_EXISTS", sim_row_str (p, "device"), NULL);
          return;
        }
    }
  out = sv_empty_set ();
  for (guint i = 0; i < rows->len; i++)
    {
      SimRow *p = rows->pdata[i];
      if (g_strcmp0 (sim_row_str (p, "device"), device) == 0 && sim_row_int (p, "VLAN") < 0 && sim_row_bool (p, "physical"))
        {
          SimRow *vlan = sim_db_add (sim, "VLAN", NULL);
          SimRow *npif = new_pif (sim, sim_row_deref (sim, p, "host"), net, device, json_node_get_int (tag),
                                  sim_row_str (p, "MAC"));
          sim_row_set_ref (sim, vlan, "tagged_PIF", p);
          sim_row_set_ref (sim, vlan, "untagged_PIF", npif);
          sim_row_set_int (sim, vlan, "tag", json_node_get_int (tag));
          sim_row_set_ref (sim, npif, "VLAN_master_of", vlan);
          json_array_add_string_element (json_node_get_array (out), npif->ref);
        }
    }
  sim_call_return (call, out);
}

static void
h_bond_create (SimCall *call)
{
  Sim *sim = call->sim;
  JsonNode *members = sim_arg (call, 1);
  const char *mode = sim_arg_str (call, 3);
  JsonArray *a = members && JSON_NODE_HOLDS_ARRAY (members) ? json_node_get_array (members) : NULL;
  SimRow *first, *bond, *master;
  g_autofree char *device = NULL;
  ROW_ARG (net, 0);

  if (a == NULL || json_array_get_length (a) < 2)
    {
      sim_call_failf (call, "PIF_BOND_NEEDS_MORE_MEMBERS", NULL);
      return;
    }
  first = sim_db_find (sim, json_array_get_string_element (a, 0));
  if (first == NULL)
    {
      sim_call_failf (call, "HANDLE_INVALID", "PIF", json_array_get_string_element (a, 0), NULL);
      return;
    }
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      SimRow *p = sim_db_find (sim, json_array_get_string_element (a, i));
      if (p == NULL)
        {
          sim_call_failf (call, "HANDLE_INVALID", "PIF", json_array_get_string_element (a, i), NULL);
          return;
        }
      if (sim_row_deref (sim, p, "bond_slave_of"))
        {
          sim_call_failf (call, "PIF_ALREADY_BONDED", p->ref, NULL);
          return;
        }
      /* as Xapi_bond.create: the management interface stays put while HA is on */
      if (sim_row_bool (sim_pool (sim), "ha_enabled") && sim_row_bool (p, "management"))
        {
          sim_call_failf (call, "HA_CANNOT_CHANGE_BOND_STATUS_OF_MGMT_IFACE", NULL);
          return;
        }
      if (sim_row_deref (sim, p, "host") != sim_row_deref (sim, first, "host"))
        {
          sim_call_failf (call, "PIF_CANNOT_BOND_CROSS_HOST", NULL);
          return;
        }
    }
  {
    /* as choose_bond_device_name: the first "bondN" free on that host */
    SimRow *host = sim_row_deref (sim, first, "host");
    JsonArray *hp = host ? json_node_get_array (sim_row_value (host, "PIFs")) : NULL;
    guint n = 0;
    gboolean taken = TRUE;

    while (taken)
      {
        g_autofree char *name = g_strdup_printf ("bond%u", n);
        taken = FALSE;
        for (guint i = 0; hp != NULL && i < json_array_get_length (hp); i++)
          {
            SimRow *p = sim_db_find (sim, json_array_get_string_element (hp, i));
            if (p && g_strcmp0 (sim_row_str (p, "device"), name) == 0)
              taken = TRUE;
          }
        if (taken)
          n++;
      }
    device = g_strdup_printf ("bond%u", n);
  }
  bond = sim_db_add (sim, "Bond", NULL);
  master = new_pif (sim, sim_row_deref (sim, first, "host"), net, device, -1,
                    sim_arg_str (call, 2) && *sim_arg_str (call, 2) ? sim_arg_str (call, 2) : sim_row_str (first, "MAC"));
  sim_row_set_int (sim, master, "MTU", sim_row_int (net, "MTU"));
  sim_row_set_ref (sim, bond, "master", master);
  sim_row_set_str (sim, bond, "mode", mode ? mode : "balance-slb");
  sim_row_set_ref (sim, bond, "primary_slave", first);
  sim_row_set_int (sim, bond, "links_up", json_array_get_length (a));
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      SimRow *p = sim_db_find (sim, json_array_get_string_element (a, i));
      sim_row_set_ref (sim, p, "bond_slave_of", bond);
    }
  sim_call_return (call, sv_str (bond->ref));
}

static void
h_bond_destroy (SimCall *call)
{
  Sim *sim = call->sim;
  ROW_ARG (bond, 0);
  SimRow *master = sim_row_deref (sim, bond, "master");
  g_autoptr(GPtrArray) slaves = g_ptr_array_new_with_free_func (g_free);
  JsonArray *a;

  if (master && sim_row_bool (master, "management") && sim_row_bool (sim_pool (sim), "ha_enabled"))
    {
      sim_call_failf (call, "HA_CANNOT_CHANGE_BOND_STATUS_OF_MGMT_IFACE", NULL);
      return;
    }
  /* the slaves set shrinks as each PIF leaves (json_node_copy shares it) */
  a = json_node_get_array (sim_row_value (bond, "slaves"));
  for (guint i = 0; i < json_array_get_length (a); i++)
    g_ptr_array_add (slaves, g_strdup (json_array_get_string_element (a, i)));
  for (guint i = 0; i < slaves->len; i++)
    {
      SimRow *p = sim_db_find (sim, slaves->pdata[i]);
      if (p)
        sim_row_set_ref (sim, p, "bond_slave_of", NULL);
    }
  sim_db_remove (sim, bond);
  if (master)
    {
      SimRow *m = sim_row_deref (sim, master, "metrics");
      if (m)
        sim_db_remove (sim, m);
      sim_db_remove (sim, master);
    }
  sim_call_return (call, NULL);
}

static void
h_network_destroy (SimCall *call)
{
  ROW_ARG (net, 0);
  if (json_array_get_length (json_node_get_array (sim_row_value (net, "VIFs"))) > 0
      || json_array_get_length (json_node_get_array (sim_row_value (net, "PIFs"))) > 0)
    {
      sim_call_failf (call, "NETWORK_CONTAINS_VIF", net->ref, NULL);
      return;
    }
  sim_db_remove (call->sim, net);
  sim_call_return (call, NULL);
}

/* ---------------------------------------------------------------- hosts */

static JsonNode *
resident_vms (Sim    *sim,
              SimRow *host)
{
  JsonNode *out = sv_empty_set ();
  JsonArray *a = json_node_get_array (sim_row_value (host, "resident_VMs"));

  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      SimRow *vm = sim_db_find (sim, json_array_get_string_element (a, i));
      if (vm && !sim_row_bool (vm, "is_control_domain"))
        json_array_add_string_element (json_node_get_array (out), vm->ref);
    }
  return out;
}

static void
h_host_disable (SimCall *call)
{
  ROW_ARG (host, 0);
  sim_row_set_bool (call->sim, host, "enabled", FALSE);
  sim_call_return (call, NULL);
}

static void
h_host_enable (SimCall *call)
{
  ROW_ARG (host, 0);
  sim_row_set_bool (call->sim, host, "enabled", TRUE);
  sim_call_return (call, NULL);
}

static void
fin_evacuate (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *host = sim_db_find (sim, op->target_ref);
  JsonNode *vms = resident_vms (sim, host);
  JsonArray *a = json_node_get_array (vms);

  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      SimRow *vm = sim_db_find (sim, json_array_get_string_element (a, i));
      SimRow *dest = NULL;
      gint64 best = -1;
      for (guint h = 0; h < sim->hosts->len; h++)
        {
          SimRow *c = sim->hosts->pdata[h];
          SimRow *m = sim_row_deref (sim, c, "metrics");
          if (c == host || !sim_row_bool (c, "enabled") || m == NULL)
            continue;
          if (sim_row_int (m, "memory_free") > best)
            {
              best = sim_row_int (m, "memory_free");
              dest = c;
            }
        }
      if (dest == NULL || best < sim_row_int (vm, "memory_static_max"))
        {
          json_node_unref (vms);
          sim_call_failf (op->call, "HOST_NOT_ENOUGH_FREE_MEMORY", "0", "0", NULL);
          return;
        }
      {
        SimRow *hm = sim_row_deref (sim, host, "metrics");
        SimRow *dm = sim_row_deref (sim, dest, "metrics");
        gint64 mem = sim_row_int (vm, "memory_static_max");
        if (hm)
          sim_row_set_int (sim, hm, "memory_free", sim_row_int (hm, "memory_free") + mem);
        if (dm)
          sim_row_set_int (sim, dm, "memory_free", sim_row_int (dm, "memory_free") - mem);
      }
      sim_vm_set_running (sim, vm, dest, sim_row_str (vm, "power_state"));
    }
  json_node_unref (vms);
  sim_call_return (op->call, NULL);
}

static void
h_host_evacuate (SimCall *call)
{
  ROW_ARG (host, 0);
  sim_op_start (call, host, "evacuate", sim_scaled (call->sim, 5.0), fin_evacuate, NULL);
}

static void
fin_host_power (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *host = sim_db_find (sim, op->target_ref);
  SimRow *m = sim_row_deref (sim, host, "metrics");

  if (m)
    sim_row_set_bool (sim, m, "live", op->i1);
  if (op->i1)
    sim_row_set_bool (sim, host, "enabled", TRUE);
  sim_message_new (sim, op->i1 ? "HOST_REBOOTED" : "HOST_SHUTDOWN", 4, host, op->i1 ? "Host rebooted" : "Host shut down");
  sim_call_return (op->call, NULL);
}

static void
host_power (SimCall *call,
            gboolean reboot)
{
  Sim *sim = call->sim;
  SimOp *op;
  JsonNode *vms;
  ROW_ARG (host, 0);

  if (sim_row_bool (host, "enabled"))
    {
      sim_call_failf (call, "HOST_NOT_DISABLED", NULL);
      return;
    }
  vms = resident_vms (sim, host);
  if (json_array_get_length (json_node_get_array (vms)) > 0)
    {
      sim_call_failf (call, "HOST_IN_USE", host->ref, "VM", json_array_get_string_element (json_node_get_array (vms), 0), NULL);
      json_node_unref (vms);
      return;
    }
  json_node_unref (vms);
  op = sim_op_start (call, host, reboot ? "reboot" : "shutdown", sim_scaled (sim, reboot ? 10.0 : 5.0), fin_host_power, NULL);
  if (op)
    op->i1 = reboot;
}

static void h_host_reboot (SimCall *call) { host_power (call, TRUE); }
static void h_host_shutdown (SimCall *call) { host_power (call, FALSE); }

/* ---------------------------------------------------------------- pool HA */

static gint64
ha_tolerable (Sim *sim)
{
  return MAX ((gint64) sim->hosts->len - 1, 0);
}

static void
fin_ha_enable (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *pool = sim_pool (sim);

  JsonNode *srs = sim_arg (op->call, 0);
  SimRow *sr = NULL;

  /* like xapi: a statefile VDI on the (first) heartbeat SR */
  if (srs != NULL && JSON_NODE_HOLDS_ARRAY (srs) && json_array_get_length (json_node_get_array (srs)) > 0)
    sr = sim_db_find (sim, json_array_get_string_element (json_node_get_array (srs), 0));
  if (sr != NULL)
    {
      SimRow *vdi = sim_db_add (sim, "VDI", NULL);
      JsonNode *files = sv_empty_set ();

      sim_row_set_str (sim, vdi, "name_label", "Statefile for HA");
      sim_row_set_str (sim, vdi, "type", "ha_statefile");
      sim_row_set_int (sim, vdi, "virtual_size", 4LL << 20);
      sim_row_set_ref (sim, vdi, "SR", sr);
      json_array_add_string_element (json_node_get_array (files), vdi->ref);
      sim_row_set (sim, pool, "ha_statefiles", files);
    }
  sim_row_set_bool (sim, pool, "ha_enabled", TRUE);
  sim_row_set_int (sim, pool, "ha_host_failures_to_tolerate", ha_tolerable (sim));
  sim_row_set_int (sim, pool, "ha_plan_exists_for", ha_tolerable (sim));
  sim_message_new (sim, "HA_STATEFILE_APPROACHING_TIMEOUT", 5, NULL, "High availability enabled");
  sim_call_return (op->call, NULL);
}

static void
h_pool_ha_enable (SimCall *call)
{
  Sim *sim = call->sim;
  SimRow *pool = sim_pool (sim);

  if (sim_row_bool (pool, "ha_enabled"))
    {
      sim_call_failf (call, "HA_IS_ENABLED", NULL);
      return;
    }
  sim_op_start (call, pool, "ha_enable", sim_scaled (sim, 8.0), fin_ha_enable, NULL);
}

static void
fin_ha_disable (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *pool = sim_pool (sim);

  sim_row_set_bool (sim, pool, "ha_enabled", FALSE);
  sim_row_set_int (sim, pool, "ha_plan_exists_for", 0);
  sim_row_set_bool (sim, pool, "ha_overcommitted", FALSE);
  sim_message_new (sim, "HA_POOL_DROP_IN_PLAN_EXISTS_FOR", 3, NULL, "High availability disabled");
  sim_call_return (op->call, NULL);
}

static void
h_pool_ha_disable (SimCall *call)
{
  Sim *sim = call->sim;
  SimRow *pool = sim_pool (sim);

  if (!sim_row_bool (pool, "ha_enabled"))
    {
      sim_call_failf (call, "HA_NOT_ENABLED", NULL);
      return;
    }
  sim_op_start (call, pool, "ha_disable", sim_scaled (sim, 4.0), fin_ha_disable, NULL);
}

static void
h_pool_ha_compute (SimCall *call)
{
  sim_call_return (call, sv_int (ha_tolerable (call->sim)));
}

/* As Xapi_pool.set_ha_host_failures_to_tolerate: non-negative; with a plan,
 * not beyond what the plan can cover; then the plan and overcommitment. */
static void
h_pool_set_ntol (SimCall *call)
{
  Sim *sim = call->sim;
  JsonNode *v = sim_arg (call, 1);
  gint64 value = v != NULL && JSON_NODE_HOLDS_VALUE (v) ? json_node_get_int (v) : -1;
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  ROW_ARG (pool, 0);

  if (v != NULL && JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING)
    value = g_ascii_strtoll (json_node_get_string (v), NULL, 10);
  if (value < 0)
    {
      sim_call_failf (call, "INVALID_VALUE", "ha_host_failures_to_tolerate", text, NULL);
      return;
    }
  if (sim_row_int (pool, "ha_plan_exists_for") > 0 && value > ha_tolerable (sim))
    {
      sim_call_failf (call, "HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN", NULL);
      return;
    }
  sim_row_set_int (sim, pool, "ha_host_failures_to_tolerate", value);
  if (sim_row_bool (pool, "ha_enabled"))
    {
      gboolean over = value > ha_tolerable (sim);
      sim_row_set_bool (sim, pool, "ha_overcommitted", over);
      if (!over)
        sim_row_set_int (sim, pool, "ha_plan_exists_for", value);
    }
  sim_call_return (call, NULL);
}

/* As Xapi_vm.set_ha_restart_priority: "restart", "best-effort" or ""; a
 * running VM is protected (ha_always_run) at once. */
static void
h_vm_set_ha_restart_priority (SimCall *call)
{
  Sim *sim = call->sim;
  const char *value = sim_arg_str (call, 1);
  ROW_ARG (vm, 0);

  if (value == NULL
      || (strcmp (value, "restart") != 0 && strcmp (value, "best-effort") != 0 && *value != '\0'))
    {
      sim_call_failf (call, "INVALID_VALUE", "ha_restart_priority", value ? value : "", NULL);
      return;
    }
  if (g_strcmp0 (sim_row_str (vm, "ha_restart_priority"), value) != 0)
    {
      sim_row_set_str (sim, vm, "ha_restart_priority", value);
      if (g_strcmp0 (sim_row_str (vm, "power_state"), "Running") == 0)
        sim_row_set_bool (sim, vm, "ha_always_run", strcmp (value, "restart") == 0);
    }
  sim_call_return (call, NULL);
}

/* As Xapi_vm.set_order: non-negative. */
static void
h_vm_set_order (SimCall *call)
{
  JsonNode *v = sim_arg (call, 1);
  gint64 value = v != NULL && JSON_NODE_HOLDS_VALUE (v) ? json_node_get_int (v) : -1;
  ROW_ARG (vm, 0);

  if (v != NULL && JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING)
    value = g_ascii_strtoll (json_node_get_string (v), NULL, 10);
  if (value < 0)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, value);
      sim_call_failf (call, "INVALID_VALUE", "order must be non-negative", text, NULL);
      return;
    }
  sim_row_set_int (call->sim, vm, "order", value);
  sim_call_return (call, NULL);
}

void
sim_ops2_init (Sim *sim)
{
  sim_register (sim, "VBD.plug", h_vbd_plug);
  sim_register (sim, "VBD.unplug", h_vbd_unplug);
  sim_register (sim, "VBD.unplug_force", h_vbd_unplug);
  sim_register (sim, "VBD.insert", h_vbd_insert);
  sim_register (sim, "VBD.eject", h_vbd_eject);
  sim_register (sim, "VBD.destroy", device_destroy);
  sim_register (sim, "VIF.plug", h_vbd_plug);
  sim_register (sim, "VIF.unplug", h_vbd_unplug);
  sim_register (sim, "VIF.unplug_force", h_vbd_unplug);
  sim_register (sim, "VIF.destroy", device_destroy);
  sim_register (sim, "VDI.destroy", h_vdi_destroy);
  sim_register (sim, "VDI.resize", h_vdi_resize);
  sim_register (sim, "VDI.resize_online", h_vdi_resize);
  sim_register (sim, "VDI.copy", h_vdi_copy);
  sim_register (sim, "VDI.clone", h_vdi_clone);
  sim_register (sim, "VDI.snapshot", h_vdi_snapshot);
  sim_register (sim, "SR.create", h_sr_create);
  sim_register (sim, "SR.probe", h_sr_probe);
  sim_register (sim, "SR.forget", h_sr_forget);
  sim_register (sim, "SR.destroy", h_sr_destroy);
  sim_register (sim, "SR.scan", h_sr_scan);
  sim_register (sim, "PBD.plug", h_pbd_plug);
  sim_register (sim, "PBD.unplug", h_pbd_unplug);
  sim_register (sim, "PBD.destroy", h_pbd_destroy);
  sim_register (sim, "SR.introduce", h_sr_introduce);
  sim_register (sim, "VLAN.create", h_vlan_create);
  sim_register (sim, "VLAN.destroy", h_vlan_destroy);
  sim_register (sim, "pool.create_VLAN", h_pool_create_vlan);
  sim_register (sim, "pool.create_VLAN_from_PIF", h_pool_create_vlan_from_pif);
  sim_register (sim, "Bond.create", h_bond_create);
  sim_register (sim, "Bond.destroy", h_bond_destroy);
  sim_register (sim, "network.destroy", h_network_destroy);
  sim_register (sim, "host.disable", h_host_disable);
  sim_register (sim, "host.enable", h_host_enable);
  sim_register (sim, "host.evacuate", h_host_evacuate);
  sim_register (sim, "host.reboot", h_host_reboot);
  sim_register (sim, "host.shutdown", h_host_shutdown);
  sim_register (sim, "pool.enable_ha", h_pool_ha_enable);
  sim_register (sim, "pool.disable_ha", h_pool_ha_disable);
  sim_register (sim, "pool.ha_compute_max_host_failures_to_tolerate", h_pool_ha_compute);
  sim_register (sim, "pool.ha_compute_hypothetical_max_host_failures_to_tolerate", h_pool_ha_compute);
  sim_register (sim, "pool.set_ha_host_failures_to_tolerate", h_pool_set_ntol);
  sim_register (sim, "VM.set_ha_restart_priority", h_vm_set_ha_restart_priority);
  sim_register (sim, "VM.set_order", h_vm_set_order);
  (void) nothing;
}

/* sim-scenario.c: the demo pools and the large generated pool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "sim.h"

#define GiB (1024LL * 1024 * 1024)
#define MiB (1024LL * 1024)

typedef struct {
  Sim       *sim;
  SimRow    *pool;
  GPtrArray *hosts;
  SimRow    *net_mgmt;      /* eth0 network */
  GPtrArray *networks;      /* guest networks */
  SimRow    *shared_sr;
  SimRow    *iso_sr;
  GPtrArray *local_srs;     /* per host */
  GPtrArray *isos;          /* VDIs in the ISO SR */
  int        mac_counter;
  int        domid;
} Builder;

#define S(row, f, v) sim_row_set_str (b->sim, (row), (f), (v))
#define I(row, f, v) sim_row_set_int (b->sim, (row), (f), (v))
#define F(row, f, v) sim_row_set_float (b->sim, (row), (f), (v))
#define B(row, f, v) sim_row_set_bool (b->sim, (row), (f), (v))
#define R(row, f, v) sim_row_set_ref (b->sim, (row), (f), (v))
#define M(row, f, k, v) sim_row_map_put_str (b->sim, (row), (f), (k), (v))
#define SET(row, f, v) sim_row_set (b->sim, (row), (f), (v))

static SimRow *
add (Builder    *b,
     const char *cls)
{
  return sim_db_add (b->sim, cls, NULL);
}

static char *
next_mac (Builder *b)
{
  int n = ++b->mac_counter;
  return g_strdup_printf ("aa:%02x:%02x:%02x:%02x:%02x", 0x16, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff,
                          (n * 37) & 0xff);
}

static void
add_roles (Builder *b)
{
  static const char *roles[][2] = {
    { "pool-admin", "The Pool Administrator role has full access to all features and settings" },
    { "pool-operator", "The Pool Operator role manages host- and pool-wide resources" },
    { "vm-power-admin", "The VM Power Administrator role has full access to VM and template management" },
    { "vm-admin", "The VM Administrator role can manage VMs and templates" },
    { "vm-operator", "The VM Operator role can use VMs and interact with VM consoles" },
    { "read-only", "The Read-Only role can log in with basic read-only access" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      SimRow *r = add (b, "role");
      S (r, "name_label", roles[i][0]);
      S (r, "name_description", roles[i][1]);
    }
}

static void
add_sms (Builder *b)
{
  static const char *sms[][3] = {
    { "nfs", "NFS VHD", "SR plugin which stores disks as VHD files on a remote NFS filesystem" },
    { "lvm", "Local LVM", "SR plugin which represents disks as VHD disks on Logical Volumes within a locally-attached Volume Group" },
    { "ext", "Local EXT3 VHD", "SR plugin which represents disks as VHD files stored on a local EXT3 filesystem" },
    { "iso", "ISO", "Handles CD images stored as files in iso format" },
    { "udev", "Local Removable Media", "Handles removable media on the host" },
    { "lvmoiscsi", "LVM over iSCSI", "SR plugin which represents disks as Logical Volumes within a Volume Group created on an iSCSI LUN" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (sms); i++)
    {
      SimRow *r = add (b, "SM");
      S (r, "type", sms[i][0]);
      S (r, "name_label", sms[i][1]);
      S (r, "name_description", sms[i][2]);
      S (r, "vendor", "Citrix Systems Inc");
      S (r, "copyright", "(C) 2008 Citrix Systems Inc");
      S (r, "version", "1.0");
      S (r, "required_api_version", "1.0");
      SET (r, "capabilities", sv_strset ("SR_PROBE", "SR_UPDATE", "VDI_CREATE", "VDI_DELETE", "VDI_ATTACH",
                                         "VDI_DETACH", "VDI_RESIZE", "VDI_CLONE", "VDI_SNAPSHOT", NULL));
    }
}

static SimRow *
add_sr (Builder    *b,
        const char *name,
        const char *desc,
        const char *type,
        const char *content_type,
        gboolean    shared,
        gint64      size,
        gint64      used,
        GPtrArray  *hosts,
        JsonNode   *device_config)
{
  SimRow *sr = add (b, "SR");

  S (sr, "name_label", name);
  S (sr, "name_description", desc);
  S (sr, "type", type);
  S (sr, "content_type", content_type);
  B (sr, "shared", shared);
  I (sr, "physical_size", size);
  I (sr, "physical_utilisation", used);
  I (sr, "virtual_allocation", used);
  SET (sr, "allowed_operations", sv_strset ("vdi_create", "vdi_destroy", "vdi_resize", "vdi_clone", "vdi_snapshot",
                                            "vdi_introduce", "scan", "forget", "plug", "unplug", "update", NULL));
  M (sr, "sm_config", "devserial", "scsi-demo");
  M (sr, "other_config", "i18n-key", "");
  for (guint i = 0; hosts && i < hosts->len; i++)
    {
      SimRow *pbd = add (b, "PBD");
      R (pbd, "SR", sr);
      R (pbd, "host", hosts->pdata[i]);
      B (pbd, "currently_attached", TRUE);
      SET (pbd, "device_config", device_config ? json_node_copy (device_config) : sv_empty_map ());
    }
  if (device_config)
    json_node_unref (device_config);
  return sr;
}

static SimRow *
add_vdi (Builder    *b,
         SimRow     *sr,
         const char *name,
         const char *desc,
         gint64      size,
         const char *type)
{
  SimRow *vdi = add (b, "VDI");

  S (vdi, "name_label", name);
  S (vdi, "name_description", desc);
  R (vdi, "SR", sr);
  I (vdi, "virtual_size", size);
  I (vdi, "physical_utilisation", size / 3);
  S (vdi, "type", type);
  B (vdi, "managed", TRUE);
  B (vdi, "sharable", FALSE);
  B (vdi, "read_only", strcmp (type, "iso") == 0 || strcmp (sim_row_str (sr, "content_type"), "iso") == 0);
  S (vdi, "location", sim_row_str (vdi, "uuid"));
  SET (vdi, "allowed_operations", sv_strset ("clone", "copy", "resize", "snapshot", "destroy", "generate_config",
                                             "update", "forget", NULL));
  sim_row_set_int (b->sim, sr, "virtual_allocation", sim_row_int (sr, "virtual_allocation") + size);
  return vdi;
}

static SimRow *
add_host (Builder    *b,
          const char *name,
          const char *address,
          int         cpus,
          gint64      mem,
          const char *cpu_model)
{
  SimRow *h = add (b, "host");
  SimRow *metrics = add (b, "host_metrics");
  SimRow *dom0 = add (b, "VM");
  SimRow *dom0_metrics = add (b, "VM_metrics");
  g_autofree char *dom0_name = g_strdup_printf ("Control domain on host: %s", name);
  JsonNode *sw = sv_strmap ("product_version", "8.2.1", "product_version_text", "8.2",
                            "product_version_text_short", "8.2", "platform_name", "XCP", "platform_version", "3.2.1",
                            "product_brand", "XenServer", "build_number", "sim", "hostname", name, "date", "2024-01-15",
                            "xapi", "24.19", "xen", "4.17.3", "linux", "4.19.0+1", "xencenter_min", "2.21",
                            "xencenter_max", "2.21", "network_backend", "openvswitch", "db_schema", "5.776", NULL);

  S (h, "name_label", name);
  S (h, "name_description", "Default install");
  S (h, "address", address);
  S (h, "hostname", name);
  B (h, "enabled", TRUE);
  I (h, "API_version_major", 2);
  I (h, "API_version_minor", 21);
  S (h, "API_version_vendor", "XenSource");
  SET (h, "software_version", sw);
  S (h, "edition", "xcp-ng");
  S (h, "sched_policy", "credit");
  SET (h, "capabilities", sv_strset ("xen-3.0-x86_64", "hvm-3.0-x86_32", "hvm-3.0-x86_64", NULL));
  {
    g_autofree char *n = g_strdup_printf ("%d", cpus);
    M (h, "cpu_info", "cpu_count", n);
    M (h, "cpu_info", "socket_count", cpus >= 16 ? "2" : "1");
  }
  M (h, "cpu_info", "vendor", strstr (cpu_model, "AMD") ? "AuthenticAMD" : "GenuineIntel");
  M (h, "cpu_info", "modelname", cpu_model);
  M (h, "cpu_info", "speed", "2394.454");
  M (h, "bios_strings", "bios-vendor", "Dell Inc.");
  M (h, "bios_strings", "system-manufacturer", "Dell Inc.");
  M (h, "bios_strings", "system-product-name", "PowerEdge R650");
  M (h, "license_params", "sku_type", "free");
  M (h, "license_params", "expiry", "30000101T00:00:00Z");
  M (h, "other_config", "agent_start_time", "1705312800.");
  M (h, "other_config", "boot_time", "1705312700.");
  M (h, "logging", "syslog_destination", "");
  I (h, "memory_overhead", 512 * MiB);
  SET (h, "allowed_operations", sv_strset ("provision", "evacuate", "reboot", "shutdown", "vm_start", "vm_resume",
                                           "vm_migrate", NULL));
  SET (h, "supported_bootloaders", sv_strset ("pygrub", "eliloader", NULL));
  {
    JsonNode *v = sv_empty_set ();
    for (int i = 0; i < 3; i++)
      json_array_add_int_element (json_node_get_array (v), i);
    SET (h, "virtual_hardware_platform_versions", v);
  }

  I (metrics, "memory_total", mem);
  I (metrics, "memory_free", mem - 2 * GiB);
  B (metrics, "live", TRUE);
  SET (metrics, "last_updated", sv_now (0));
  R (h, "metrics", metrics);

  for (int i = 0; i < cpus; i++)
    {
      SimRow *c = add (b, "host_cpu");
      R (c, "host", h);
      I (c, "number", i);
      S (c, "vendor", strstr (cpu_model, "AMD") ? "AuthenticAMD" : "GenuineIntel");
      I (c, "speed", 2394);
      S (c, "modelname", cpu_model);
      I (c, "family", 6);
      I (c, "model", 106);
      S (c, "stepping", "6");
      S (c, "flags", "fpu de tsc msr pae mce cx8 apic sep mca cmov pat clflush mmx fxsr sse sse2 ht syscall nx lm");
      F (c, "utilisation", 0.02 + 0.01 * (i % 7));
    }

  S (dom0, "name_label", dom0_name);
  S (dom0, "name_description", "The domain which manages physical devices and manages other domains");
  B (dom0, "is_control_domain", TRUE);
  B (dom0, "is_a_template", FALSE);
  S (dom0, "power_state", "Running");
  R (dom0, "resident_on", h);
  R (dom0, "affinity", h);
  I (dom0, "domid", 0);
  I (dom0, "memory_static_max", 4 * GiB);
  I (dom0, "memory_static_min", 4 * GiB);
  I (dom0, "memory_dynamic_max", 4 * GiB);
  I (dom0, "memory_dynamic_min", 4 * GiB);
  I (dom0, "memory_target", 4 * GiB);
  I (dom0, "VCPUs_max", MIN (cpus, 16));
  I (dom0, "VCPUs_at_startup", MIN (cpus, 16));
  S (dom0, "domarch", "x64");
  S (dom0, "domain_type", "pv");
  S (dom0, "actions_after_shutdown", "destroy");
  S (dom0, "actions_after_reboot", "restart");
  S (dom0, "actions_after_crash", "restart");
  I (dom0_metrics, "memory_actual", 4 * GiB);
  I (dom0_metrics, "VCPUs_number", MIN (cpus, 16));
  SET (dom0_metrics, "start_time", sv_now (-86400 * 12));
  SET (dom0_metrics, "last_updated", sv_now (0));
  S (dom0_metrics, "current_domain_type", "pv");
  R (dom0, "metrics", dom0_metrics);
  if (sim_class_field (h->cls, "control_domain"))
    R (h, "control_domain", dom0);
  sim_vm_create_console (b->sim, dom0, h);

  g_ptr_array_add (b->hosts, h);
  g_ptr_array_add (b->sim->hosts, h);
  return h;
}

static SimRow *
add_network (Builder    *b,
             const char *name,
             const char *desc,
             const char *bridge,
             gint64      mtu)
{
  SimRow *n = add (b, "network");

  S (n, "name_label", name);
  S (n, "name_description", desc);
  S (n, "bridge", bridge);
  I (n, "MTU", mtu);
  SET (n, "allowed_operations", sv_empty_set ());
  S (n, "default_locking_mode", "unlocked");
  B (n, "managed", TRUE);
  return n;
}

static SimRow *
add_pif (Builder    *b,
         SimRow     *host,
         SimRow     *network,
         const char *device,
         gint64      vlan,
         gboolean    physical,
         gboolean    management,
         const char *ip,
         gint64      speed)
{
  SimRow *p = add (b, "PIF");
  SimRow *m = add (b, "PIF_metrics");
  g_autofree char *mac = next_mac (b);

  R (p, "host", host);
  R (p, "network", network);
  S (p, "device", device);
  S (p, "MAC", mac);
  I (p, "MTU", 1500);
  I (p, "VLAN", vlan);
  B (p, "physical", physical);
  B (p, "management", management);
  B (p, "currently_attached", management || ip != NULL || vlan >= 0 || physical);
  B (p, "managed", TRUE);
  S (p, "ip_configuration_mode", ip ? "Static" : "None");
  S (p, "IP", ip ? ip : "");
  S (p, "netmask", ip ? "255.255.255.0" : "");
  S (p, "gateway", ip && management ? "192.168.10.1" : "");
  S (p, "DNS", ip && management ? "192.168.10.2" : "");
  S (p, "primary_address_type", "IPv4");
  S (p, "ipv6_configuration_mode", "None");
  M (p, "properties", "gro", "on");
  SET (p, "capabilities", sv_strset ("fcoe", NULL));
  B (m, "carrier", TRUE);
  I (m, "speed", speed);
  B (m, "duplex", TRUE);
  S (m, "vendor_name", "Intel Corporation");
  S (m, "device_name", "Ethernet Controller X710 for 10GbE SFP+");
  S (m, "vendor_id", "8086");
  S (m, "device_id", "1572");
  S (m, "pci_bus_path", "0000:01:00.0");
  SET (m, "last_updated", sv_now (0));
  R (p, "metrics", m);
  return p;
}

typedef struct {
  const char *name;
  const char *desc;
  const char *os;          /* os_version name */
  const char *distro;
  const char *major, *minor;
  const char *power;
  int         host;        /* -1: none */
  int         vcpus;
  gint64      mem;
  gint64      disk;
  gboolean    local_disk;
  const char *ip;
  gboolean    windows;
  const char *tags;
} VmSpec;

static SimRow *
add_vbd (Builder    *b,
         SimRow     *vm,
         SimRow     *vdi,
         const char *userdevice,
         const char *type,
         gboolean    attached)
{
  SimRow *vbd = add (b, "VBD");

  R (vbd, "VM", vm);
  R (vbd, "VDI", vdi);
  S (vbd, "userdevice", userdevice);
  S (vbd, "device", attached ? (strcmp (type, "CD") == 0 ? "xvdd" : g_strcmp0 (userdevice, "0") == 0 ? "xvda" : "xvdb") : "");
  S (vbd, "type", type);
  S (vbd, "mode", strcmp (type, "CD") == 0 ? "RO" : "RW");
  B (vbd, "bootable", g_strcmp0 (userdevice, "0") == 0);
  B (vbd, "empty", vdi == NULL);
  B (vbd, "unpluggable", TRUE);
  B (vbd, "currently_attached", attached);
  SET (vbd, "allowed_operations", attached ? sv_strset ("attach", "unplug", NULL) : sv_strset ("attach", "plug", NULL));
  SET (vbd, "qos_supported_algorithms", sv_empty_set ());
  return vbd;
}

static SimRow *
add_vif (Builder    *b,
         SimRow     *vm,
         SimRow     *network,
         const char *device,
         gboolean    attached)
{
  SimRow *vif = add (b, "VIF");
  g_autofree char *mac = next_mac (b);

  R (vif, "VM", vm);
  R (vif, "network", network);
  S (vif, "device", device);
  S (vif, "MAC", mac);
  B (vif, "MAC_autogenerated", TRUE);
  I (vif, "MTU", 1500);
  B (vif, "currently_attached", attached);
  S (vif, "locking_mode", "network_default");
  S (vif, "ipv4_configuration_mode", "None");
  S (vif, "ipv6_configuration_mode", "None");
  SET (vif, "allowed_operations", attached ? sv_strset ("attach", "unplug", NULL) : sv_strset ("attach", "plug", NULL));
  return vif;
}

static void
fill_vm_common (Builder    *b,
                SimRow     *vm,
                const char *name,
                const char *desc,
                int         vcpus,
                gint64      mem,
                gboolean    windows)
{
  g_autofree char *v = g_strdup_printf ("%d", vcpus);

  S (vm, "name_label", name);
  S (vm, "name_description", desc);
  B (vm, "is_a_template", FALSE);
  B (vm, "is_control_domain", FALSE);
  I (vm, "memory_static_max", mem);
  I (vm, "memory_static_min", mem / 2);
  I (vm, "memory_dynamic_max", mem);
  I (vm, "memory_dynamic_min", mem);
  I (vm, "memory_target", mem);
  I (vm, "VCPUs_max", vcpus);
  I (vm, "VCPUs_at_startup", vcpus);
  I (vm, "user_version", 1);
  I (vm, "domid", -1);
  S (vm, "domarch", "");
  S (vm, "actions_after_shutdown", "destroy");
  S (vm, "actions_after_reboot", "restart");
  S (vm, "actions_after_crash", "restart");
  S (vm, "HVM_boot_policy", "BIOS order");
  M (vm, "HVM_boot_params", "order", windows ? "dc" : "cdn");
  M (vm, "platform", "acpi", "1");
  M (vm, "platform", "apic", "true");
  M (vm, "platform", "pae", "true");
  M (vm, "platform", "viridian", windows ? "true" : "false");
  M (vm, "platform", "nx", "true");
  M (vm, "platform", "cores-per-socket", v);
  M (vm, "platform", "device-model", "qemu-upstream-compat");
  S (vm, "domain_type", "hvm");
  M (vm, "other_config", "base_template_name", windows ? "Windows Server 2022 (64-bit)" : "Debian Bookworm 12");
  M (vm, "other_config", "import_task", "");
  M (vm, "other_config", "mac_seed", sim_row_str (vm, "uuid"));
  M (vm, "other_config", "install-methods", "cdrom,nfs,http,ftp");
  M (vm, "other_config", "linux_template", windows ? "false" : "true");
  M (vm, "bios_strings", "bios-vendor", "Xen");
  M (vm, "bios_strings", "system-manufacturer", "Xen");
  M (vm, "bios_strings", "system-product-name", "HVM domU");
  S (vm, "PV_args", "");
  S (vm, "PV_bootloader", "");
  S (vm, "PCI_bus", "");
  S (vm, "recommendations", "<restrictions><restriction field=\"memory-static-max\" max=\"1649267441664\"/>"
                            "<restriction field=\"vcpus-max\" max=\"32\"/></restrictions>");
}

static SimRow *
add_vm (Builder      *b,
        const VmSpec *spec)
{
  Sim *sim = b->sim;
  SimRow *vm = add (b, "VM");
  SimRow *metrics = add (b, "VM_metrics");
  SimRow *host = spec->host >= 0 ? b->hosts->pdata[spec->host] : NULL;
  SimRow *sr = spec->local_disk && host ? b->local_srs->pdata[spec->host] : b->shared_sr;
  gboolean live = strcmp (spec->power, "Running") == 0 || strcmp (spec->power, "Paused") == 0;
  g_autofree char *disk_name = g_strdup_printf ("%s 0", spec->name);
  SimRow *vdi;

  fill_vm_common (b, vm, spec->name, spec->desc, spec->vcpus, spec->mem, spec->windows);
  R (vm, "metrics", metrics);
  I (metrics, "memory_actual", live ? spec->mem : 0);
  I (metrics, "VCPUs_number", live ? spec->vcpus : 0);
  for (int i = 0; live && i < spec->vcpus; i++)
    {
      g_autofree char *k = g_strdup_printf ("%d", i);
      sim_row_map_put (sim, metrics, "VCPUs_utilisation", k, sv_float (0.05 + 0.03 * i));
    }
  SET (metrics, "install_time", sv_now (-86400 * 90));
  SET (metrics, "start_time", live ? sv_now (-3600 * 30) : sv_str ("19700101T00:00:00Z"));
  SET (metrics, "last_updated", sv_now (0));
  B (metrics, "hvm", TRUE);
  S (metrics, "current_domain_type", live ? "hvm" : "unspecified");

  vdi = add_vdi (b, sr, disk_name, spec->desc[0] ? spec->desc : "Created by template provisioner", spec->disk, "user");
  add_vbd (b, vm, vdi, "0", "Disk", live);
  add_vbd (b, vm, spec->windows && b->isos->len > 1 ? b->isos->pdata[1] : NULL, "3", "CD", live);
  add_vif (b, vm, b->networks->pdata[0], "0", live);
  if (spec->tags)
    {
      g_auto(GStrv) tags = g_strsplit (spec->tags, ",", -1);
      for (guint i = 0; tags[i]; i++)
        sim_row_set_add_str (sim, vm, "tags", tags[i]);
    }

  if (spec->os)
    {
      SimRow *gm = add (b, "VM_guest_metrics");
      g_autofree char *uname = spec->windows ? g_strdup ("") : g_strdup_printf ("%s.%s-generic", spec->major, spec->minor);
      M (gm, "os_version", "name", spec->os);
      M (gm, "os_version", "distro", spec->distro);
      M (gm, "os_version", "major", spec->major);
      M (gm, "os_version", "minor", spec->minor);
      if (!spec->windows)
        M (gm, "os_version", "uname", uname);
      M (gm, "PV_drivers_version", "major", "9");
      M (gm, "PV_drivers_version", "minor", "3");
      M (gm, "PV_drivers_version", "micro", "3");
      M (gm, "PV_drivers_version", "build", "125");
      B (gm, "PV_drivers_up_to_date", TRUE);
      B (gm, "PV_drivers_detected", TRUE);
      if (spec->ip && live)
        {
          g_autofree char *v6 = g_strdup_printf ("fe80::%x:%x", b->mac_counter, g_str_hash (spec->name) & 0xffff);
          M (gm, "networks", "0/ip", spec->ip);
          M (gm, "networks", "0/ipv4/0", spec->ip);
          M (gm, "networks", "0/ipv6/0", v6);
        }
      M (gm, "other", "feature-shutdown", "1");
      M (gm, "other", "feature-suspend", "1");
      M (gm, "other", "has-vendor-device", "0");
      M (gm, "other", "platform-feature-multiprocessor-suspend", "1");
      B (gm, "live", live);
      SET (gm, "can_use_hotplug_vbd", sv_str ("yes"));
      SET (gm, "can_use_hotplug_vif", sv_str ("yes"));
      SET (gm, "last_updated", sv_now (-30));
      R (vm, "guest_metrics", gm);
    }

  if (host && live)
    {
      sim_vm_set_running (sim, vm, host, spec->power);
      R (vm, "affinity", host);
    }
  else
    S (vm, "power_state", spec->power);
  if (strcmp (spec->power, "Suspended") == 0)
    {
      g_autofree char *n = g_strdup_printf ("Suspend image for %s", spec->name);
      SimRow *sv = add_vdi (b, b->shared_sr, n, "", spec->mem + 8 * MiB, "suspend");
      R (vm, "suspend_VDI", sv);
      S (vm, "last_booted_record", "<suspended/>");
    }
  sim_vm_update_allowed (sim, vm);
  return vm;
}

static SimRow *
add_template (Builder    *b,
              const char *name,
              const char *desc,
              gboolean    is_default,
              gboolean    windows,
              int         vcpus,
              gint64      mem,
              gint64      disk)
{
  SimRow *t = add (b, "VM");

  fill_vm_common (b, t, name, desc, vcpus, mem, windows);
  B (t, "is_a_template", TRUE);
  S (t, "power_state", "Halted");
  if (is_default)
    {
      M (t, "other_config", "default_template", "true");
      B (t, "is_default_template", TRUE);
      {
        g_autofree char *disks = g_strdup_printf ("<provision><disk device=\"0\" size=\"%" G_GINT64_FORMAT
                                                  "\" sr=\"\" bootable=\"true\" type=\"system\"/></provision>", disk);
        M (t, "other_config", "disks", disks);
      }
    }
  else
    {
      g_autofree char *n = g_strdup_printf ("%s disk", name);
      SimRow *vdi = add_vdi (b, b->shared_sr, n, "", disk, "user");
      add_vbd (b, t, vdi, "0", "Disk", FALSE);
      add_vif (b, t, b->networks->pdata[0], "0", FALSE);
    }
  sim_vm_update_allowed (b->sim, t);
  return t;
}

static SimRow *
add_snapshot (Builder    *b,
              SimRow     *vm,
              const char *name,
              SimRow     *parent,
              double      age_s)
{
  SimRow *s = sim_db_copy_row (b->sim, vm);
  g_autoptr(GPtrArray) vbds = NULL;

  S (s, "name_label", name);
  B (s, "is_a_snapshot", TRUE);
  R (s, "snapshot_of", vm);
  R (s, "parent", parent);
  S (s, "power_state", "Halted");
  R (s, "resident_on", NULL);
  I (s, "domid", -1);
  SET (s, "snapshot_time", sv_now (-age_s));
  R (s, "guest_metrics", NULL);
  {
    SimRow *m = add (b, "VM_metrics");
    R (s, "metrics", m);
  }
  /* snapshot disks */
  vbds = g_ptr_array_new ();
  {
    JsonArray *a = json_node_get_array (sim_row_value (vm, "VBDs"));
    for (guint i = 0; i < json_array_get_length (a); i++)
      {
        SimRow *vbd = sim_db_find (b->sim, json_array_get_string_element (a, i));
        SimRow *vdi = vbd ? sim_row_deref (b->sim, vbd, "VDI") : NULL;
        SimRow *nvdi = NULL;
        if (vdi)
          {
            nvdi = sim_db_copy_row (b->sim, vdi);
            B (nvdi, "is_a_snapshot", TRUE);
            R (nvdi, "snapshot_of", vdi);
            SET (nvdi, "snapshot_time", sv_now (-age_s));
          }
        if (vbd)
          add_vbd (b, s, nvdi, sim_row_str (vbd, "userdevice"), sim_row_str (vbd, "type"), FALSE);
      }
  }
  sim_vm_update_allowed (b->sim, s);
  return s;
}

static Builder *
builder_new (Sim *sim)
{
  Builder *b = g_new0 (Builder, 1);
  b->sim = sim;
  b->hosts = g_ptr_array_new ();
  b->networks = g_ptr_array_new ();
  b->local_srs = g_ptr_array_new ();
  b->isos = g_ptr_array_new ();
  return b;
}

static void
builder_free (Builder *b)
{
  g_ptr_array_unref (b->hosts);
  g_ptr_array_unref (b->networks);
  g_ptr_array_unref (b->local_srs);
  g_ptr_array_unref (b->isos);
  g_free (b);
}

static void
pool_common (Builder    *b,
             const char *name,
             const char *desc)
{
  SimRow *p = b->pool = add (b, "pool");

  S (p, "name_label", name);
  S (p, "name_description", desc);
  M (p, "restrictions", "restrict_vswitch_controller", "false");
  M (p, "restrictions", "restrict_pooling", "false");
  M (p, "restrictions", "restrict_ha", "false");
  M (p, "restrictions", "restrict_rbac", "false");
  M (p, "other_config", "memory-ratio-hvm", "0.25");
  M (p, "gui_config", "XenCenter.CustomFields.owner", "");
  M (p, "cpu_info", "vendor", "GenuineIntel");
  M (p, "cpu_info", "cpu_count", "48");
  S (p, "ha_cluster_stack", "xhad");
  SET (p, "allowed_operations", sv_strset ("ha_enable", "cluster_create", NULL));
  add_roles (b);
  add_sms (b);
}

static void
pool_finish (Builder *b)
{
  R (b->pool, "master", b->hosts->pdata[0]);
  R (b->pool, "default_SR", b->shared_sr);
  R (b->pool, "suspend_image_SR", b->shared_sr);
  R (b->pool, "crash_dump_SR", b->shared_sr);
  for (guint i = 0; i < b->hosts->len; i++)
    {
      R (b->hosts->pdata[i], "suspend_image_sr", b->shared_sr);
      R (b->hosts->pdata[i], "crash_dump_sr", b->shared_sr);
    }
}

static void
host_storage_and_networks (Builder  *b,
                           gboolean  with_bond_and_vlan)
{
  SimRow *net1, *storage = NULL, *bondnet = NULL, *internal;
  g_autoptr(GPtrArray) all = g_ptr_array_copy (b->hosts, NULL, NULL);

  b->net_mgmt = add_network (b, "Pool-wide network associated with eth0", "", "xenbr0", 1500);
  net1 = add_network (b, "Pool-wide network associated with eth1", "", "xenbr1", 1500);
  internal = add_network (b, "Host internal management network",
                          "Network on which guests will be assigned a private link-local IP address which can be "
                          "used to talk XenAPI", "xenapi", 1500);
  M (internal, "other_config", "is_guest_installer_network", "true");
  M (internal, "other_config", "is_host_internal_management_network", "true");
  g_ptr_array_add (b->networks, b->net_mgmt);
  g_ptr_array_add (b->networks, net1);
  if (with_bond_and_vlan)
    {
      storage = add_network (b, "Storage VLAN 20", "iSCSI and NFS traffic", "xapi1", 9000);
      bondnet = add_network (b, "Bond 2+3", "Guest traffic (active-backup)", "xapi2", 1500);
      g_ptr_array_add (b->networks, bondnet);
    }

  for (guint i = 0; i < b->hosts->len; i++)
    {
      SimRow *h = b->hosts->pdata[i];
      g_autofree char *ip = g_strdup_printf ("192.168.10.%u", 11 + i);
      SimRow *eth0 = add_pif (b, h, b->net_mgmt, "eth0", -1, TRUE, TRUE, ip, 10000);
      SimRow *eth1 = add_pif (b, h, net1, "eth1", -1, TRUE, FALSE, NULL, 10000);
      g_autofree char *local_name = g_strdup_printf ("Local storage");
      g_autofree char *dvd = g_strdup_printf ("DVD drives");
      g_autoptr(GPtrArray) one = g_ptr_array_new ();
      SimRow *local;

      (void) eth0;
      if (with_bond_and_vlan)
        {
          SimRow *eth2 = add_pif (b, h, NULL, "eth2", -1, TRUE, FALSE, NULL, 1000);
          SimRow *eth3 = add_pif (b, h, NULL, "eth3", -1, TRUE, FALSE, NULL, 1000);
          SimRow *bond = add (b, "Bond");
          SimRow *bond_pif = add_pif (b, h, bondnet, "bond0", -1, FALSE, FALSE, NULL, 1000);
          SimRow *vlan = add (b, "VLAN");
          g_autofree char *sip = g_strdup_printf ("10.20.0.%u", 11 + i);
          SimRow *vlan_pif = add_pif (b, h, storage, "eth1", 20, FALSE, FALSE, sip, 10000);
          SimRow *eth2net = add_network (b, "Pool-wide network associated with eth2", "", "xenbr2", 1500);
          SimRow *eth3net = add_network (b, "Pool-wide network associated with eth3", "", "xenbr3", 1500);

          /* the physical NICs of a bond have their own (unused) networks */
          R (eth2, "network", eth2net);
          R (eth3, "network", eth3net);
          R (bond, "master", bond_pif);
          R (eth2, "bond_slave_of", bond);
          R (eth3, "bond_slave_of", bond);
          R (bond, "primary_slave", eth2);
          S (bond, "mode", "active-backup");
          I (bond, "links_up", 2);
          M (bond, "properties", "hashing_algorithm", "src_mac");
          R (vlan, "tagged_PIF", eth1);
          R (vlan, "untagged_PIF", vlan_pif);
          I (vlan, "tag", 20);
          R (vlan_pif, "VLAN_master_of", vlan);
          S (bond_pif, "MAC", sim_row_str (eth2, "MAC"));
        }
      (void) eth1;
      g_ptr_array_add (one, h);
      local = add_sr (b, local_name, "", "lvm", "user", FALSE, 900 * GiB, 120 * GiB, one,
                      sv_strmap ("device", "/dev/sda3", NULL));
      g_ptr_array_add (b->local_srs, local);
      add_sr (b, dvd, "Physical DVD drives", "udev", "iso", FALSE, 0, 0, one, sv_strmap ("location", "/dev/xapi/cd", NULL));
    }

  b->shared_sr = add_sr (b, "NFS VM storage", "NFS SR [nas01.lab.example:/export/vms]", "nfs", "", TRUE,
                         8 * 1024 * GiB, 2300 * GiB, all,
                         sv_strmap ("server", "nas01.lab.example", "serverpath", "/export/vms", "nfsversion", "4.1", NULL));
  b->iso_sr = add_sr (b, "ISO library", "NFS ISO library [nas01.lab.example:/export/iso]", "iso", "iso", TRUE,
                      500 * GiB, 62 * GiB, all,
                      sv_strmap ("location", "nas01.lab.example:/export/iso", "legacy_mode", "true", NULL));
  {
    static const char *isos[] = { "debian-12.5.0-amd64-netinst.iso", "SERVER_EVAL_x64FRE_en-us.iso",
                                  "ubuntu-22.04.4-live-server-amd64.iso", "CentOS-Stream-9-latest-x86_64-dvd1.iso",
                                  "Rocky-9.3-x86_64-minimal.iso" };
    for (guint i = 0; i < G_N_ELEMENTS (isos); i++)
      g_ptr_array_add (b->isos, add_vdi (b, b->iso_sr, isos[i], "", (600 + 900 * i) * MiB, "user"));
  }
  {
    SimRow *tools = add_sr (b, "XCP-ng Tools", "XCP-ng Tools ISOs", "iso", "iso", TRUE, 0, 0, all,
                            sv_strmap ("location", "/opt/xensource/packages/iso", "legacy_mode", "true", NULL));
    SimRow *tiso;
    B (tools, "is_tools_sr", TRUE);
    tiso = add_vdi (b, tools, "guest-tools.iso", "", 60 * MiB, "user");
    B (tiso, "is_tools_iso", TRUE);
  }
}

static void
demo_templates (Builder *b)
{
  static const struct { const char *name; gboolean win; int vcpus; gint64 mem; gint64 disk; } t[] = {
    { "Debian Bookworm 12", FALSE, 1, 2 * GiB, 10 * GiB },
    { "Ubuntu Jammy Jellyfish 22.04", FALSE, 1, 2 * GiB, 10 * GiB },
    { "Ubuntu Noble Numbat 24.04", FALSE, 1, 2 * GiB, 10 * GiB },
    { "CentOS Stream 9", FALSE, 1, 2 * GiB, 10 * GiB },
    { "Rocky Linux 9", FALSE, 1, 2 * GiB, 10 * GiB },
    { "Red Hat Enterprise Linux 9", FALSE, 2, 2 * GiB, 10 * GiB },
    { "Windows Server 2022 (64-bit)", TRUE, 2, 4 * GiB, 32 * GiB },
    { "Windows Server 2019 (64-bit)", TRUE, 2, 4 * GiB, 32 * GiB },
    { "Windows 11", TRUE, 2, 4 * GiB, 64 * GiB },
    { "Windows 10 (64-bit)", TRUE, 2, 2 * GiB, 32 * GiB },
    { "Other install media", FALSE, 1, 1 * GiB, 8 * GiB },
  };
  for (guint i = 0; i < G_N_ELEMENTS (t); i++)
    {
      g_autofree char *desc = g_strdup_printf ("Template which allows VM installation from install media (%s)", t[i].name);
      add_template (b, t[i].name, desc, TRUE, t[i].win, t[i].vcpus, t[i].mem, t[i].disk);
    }
}

static void
scenario_demo (Sim *sim)
{
  Builder *b = builder_new (sim);
  static const VmSpec vms[] = {
    { "web-01", "Public web frontend (nginx)", "Debian GNU/Linux 12 (bookworm)", "debian", "12", "5", "Running", 0, 2, 2 * GiB, 20 * GiB, FALSE, "192.168.20.11", FALSE, "web,production" },
    { "web-02", "Public web frontend (nginx)", "Debian GNU/Linux 12 (bookworm)", "debian", "12", "5", "Running", 1, 2, 2 * GiB, 20 * GiB, FALSE, "192.168.20.12", FALSE, "web,production" },
    { "db-primary", "PostgreSQL 15 primary", "Ubuntu 22.04.4 LTS", "ubuntu", "22", "04", "Running", 0, 4, 8 * GiB, 200 * GiB, FALSE, "192.168.20.21", FALSE, "database,production" },
    { "db-replica", "PostgreSQL 15 streaming replica", "Ubuntu 22.04.4 LTS", "ubuntu", "22", "04", "Running", 2, 4, 8 * GiB, 200 * GiB, FALSE, "192.168.20.22", FALSE, "database,production" },
    { "dc01", "Active Directory domain controller", "Microsoft Windows Server 2022 Standard|C:\\Windows|\\Device\\Harddisk0\\Partition2", "windows", "10", "0", "Running", 1, 2, 4 * GiB, 60 * GiB, FALSE, "192.168.20.5", TRUE, "infrastructure" },
    { "fileserver", "Windows file shares", "Microsoft Windows Server 2019 Datacenter|C:\\Windows|\\Device\\Harddisk0\\Partition2", "windows", "10", "0", "Halted", -1, 2, 4 * GiB, 500 * GiB, FALSE, NULL, TRUE, NULL },
    { "build-agent", "CI build agent", "CentOS Stream 9", "centos", "9", "", "Suspended", -1, 8, 16 * GiB, 120 * GiB, FALSE, NULL, FALSE, "ci" },
    { "legacy-erp", "Old ERP system, do not touch", "CentOS Linux 7 (Core)", "centos", "7", "9", "Halted", -1, 2, 6 * GiB, 80 * GiB, TRUE, NULL, FALSE, "legacy" },
    { "monitoring", "Prometheus + Grafana", "Rocky Linux 9.3 (Blue Onyx)", "rocky", "9", "3", "Running", 2, 2, 4 * GiB, 100 * GiB, TRUE, "192.168.20.30", FALSE, "infrastructure" },
    { "k8s-node-1", "Kubernetes worker", "Ubuntu 24.04 LTS", "ubuntu", "24", "04", "Running", 0, 4, 8 * GiB, 60 * GiB, FALSE, "192.168.30.11", FALSE, "k8s" },
    { "k8s-node-2", "Kubernetes worker", "Ubuntu 24.04 LTS", "ubuntu", "24", "04", "Running", 1, 4, 8 * GiB, 60 * GiB, FALSE, "192.168.30.12", FALSE, "k8s" },
    { "k8s-node-3", "Kubernetes worker", "Ubuntu 24.04 LTS", "ubuntu", "24", "04", "Running", 2, 4, 8 * GiB, 60 * GiB, FALSE, "192.168.30.13", FALSE, "k8s" },
    { "win11-desktop", "Admin jump host", "Microsoft Windows 11 Pro|C:\\Windows|\\Device\\Harddisk0\\Partition3", "windows", "10", "0", "Paused", 2, 2, 4 * GiB, 64 * GiB, FALSE, "192.168.20.40", TRUE, NULL },
    { "scratch", "", NULL, NULL, NULL, NULL, "Halted", -1, 1, 1 * GiB, 8 * GiB, FALSE, NULL, FALSE, NULL },
  };
  SimRow *web01 = NULL, *db = NULL, *s1, *s2;

  pool_common (b, "Demo Pool", "Three hosts in rack A");
  add_host (b, "xcp-ng-01", sim->host_addrs->pdata[0], 32, 256 * GiB, "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz");
  add_host (b, "xcp-ng-02", sim->host_addrs->pdata[1], 32, 256 * GiB, "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz");
  add_host (b, "xcp-ng-03", sim->host_addrs->pdata[2], 24, 192 * GiB, "AMD EPYC 7313 16-Core Processor");
  host_storage_and_networks (b, TRUE);
  pool_finish (b);
  demo_templates (b);
  {
    SimRow *t = add_template (b, "Company Debian base", "Hardened Debian 12 with monitoring agents", FALSE, FALSE,
                              2, 2 * GiB, 16 * GiB);
    M (t, "other_config", "owner", "ops-team");
  }
  for (guint i = 0; i < G_N_ELEMENTS (vms); i++)
    {
      SimRow *vm = add_vm (b, &vms[i]);
      if (i == 0)
        web01 = vm;
      if (i == 2)
        db = vm;
    }
  /* snapshots: a tree under db-primary, one under web-01 */
  s1 = add_snapshot (b, db, "before-upgrade-15.4", NULL, 86400 * 20);
  s2 = add_snapshot (b, db, "after-upgrade-15.4", s1, 86400 * 19);
  add_snapshot (b, db, "pre-schema-migration", s2, 86400 * 2);
  add_snapshot (b, db, "experiment-branch", s1, 86400 * 10);
  R (db, "parent", s2);
  add_snapshot (b, web01, "web-01 nightly", NULL, 3600 * 7);

  sim_message_new (sim, "VM_STARTED", 5, web01, "VM 'web-01' started on host xcp-ng-01");
  sim_message_new (sim, "ALARM", 3, db,
                   "value: 0.934\nconfig:\n<variable>\n\t<name value=\"cpu_usage\"/>\n\t<alarm_trigger_level value=\"0.9\"/>\n</variable>");
  sim_message_new (sim, "HOST_CLOCK_SKEW_DETECTED", 3, b->hosts->pdata[2],
                   "The clock of server xcp-ng-03 differs from the pool master by 4.2 seconds");
  sim_message_new (sim, "LICENSE_EXPIRES_SOON", 2, b->hosts->pdata[1], "The license of server xcp-ng-02 expires in 14 days");
  sim_message_new (sim, "SR_BACKEND_FAILURE", 4, b->shared_sr, "NFS SR: transient timeout talking to nas01.lab.example, recovered");
  builder_free (b);
}

static void
scenario_demo2 (Sim *sim)
{
  Builder *b = builder_new (sim);
  static const VmSpec vms[] = {
    { "lab-router", "pfSense lab router", "FreeBSD 14.0", "freebsd", "14", "0", "Running", 0, 1, 1 * GiB, 8 * GiB, TRUE, "10.99.0.1", FALSE, "lab" },
    { "lab-debian", "Debian test box", "Debian GNU/Linux 12 (bookworm)", "debian", "12", "5", "Running", 0, 2, 2 * GiB, 20 * GiB, TRUE, "10.99.0.10", FALSE, "lab" },
    { "lab-win", "Windows test box", "Microsoft Windows Server 2022 Standard|C:\\Windows|\\Device\\Harddisk0\\Partition2", "windows", "10", "0", "Halted", -1, 2, 4 * GiB, 40 * GiB, TRUE, NULL, TRUE, "lab" },
  };

  pool_common (b, "Lab Pool", "Single host lab");
  add_host (b, "lab-host", sim->host_addrs->pdata[0], 8, 64 * GiB, "Intel(R) Xeon(R) E-2288G CPU @ 3.70GHz");
  host_storage_and_networks (b, FALSE);
  pool_finish (b);
  add_template (b, "Debian Bookworm 12", "Template which allows VM installation from install media", TRUE, FALSE,
                1, 2 * GiB, 10 * GiB);
  add_template (b, "Windows Server 2022 (64-bit)", "Template for Windows Server 2022", TRUE, TRUE, 2, 4 * GiB,
                32 * GiB);
  for (guint i = 0; i < G_N_ELEMENTS (vms); i++)
    add_vm (b, &vms[i]);
  sim_message_new (sim, "VM_STARTED", 5, NULL, "VM 'lab-router' started");
  builder_free (b);
}

static void
scenario_large (Sim *sim)
{
  Builder *b = builder_new (sim);
  GRand *rand = g_rand_new_with_seed (20240101);
  static const char *oses[][6] = {
    { "Debian GNU/Linux 12 (bookworm)", "debian", "12", "5", "linux", "" },
    { "Ubuntu 22.04.4 LTS", "ubuntu", "22", "04", "linux", "" },
    { "Ubuntu 24.04 LTS", "ubuntu", "24", "04", "linux", "" },
    { "CentOS Stream 9", "centos", "9", "", "linux", "" },
    { "Rocky Linux 9.3 (Blue Onyx)", "rocky", "9", "3", "linux", "" },
    { "Microsoft Windows Server 2022 Standard", "windows", "10", "0", "windows", "" },
    { "Microsoft Windows Server 2019 Datacenter", "windows", "10", "0", "windows", "" },
  };

  pool_common (b, "Large Pool", "Generated pool for scale tests");
  for (int i = 0; i < sim->n_hosts; i++)
    {
      g_autofree char *name = g_strdup_printf ("host-%02d", i + 1);
      add_host (b, name, sim->host_addrs->pdata[i], 64, 1024 * GiB, "Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz");
    }
  host_storage_and_networks (b, FALSE);
  pool_finish (b);
  demo_templates (b);
  for (int i = 0; i < sim->n_vms; i++)
    {
      int os = g_rand_int_range (rand, 0, G_N_ELEMENTS (oses));
      int p = g_rand_int_range (rand, 0, 10);
      g_autofree char *name = g_strdup_printf ("vm-%05d", i + 1);
      g_autofree char *ip = g_strdup_printf ("10.%d.%d.%d", 100 + (i >> 16), (i >> 8) & 0xff, i & 0xff);
      VmSpec spec = {
        .name = name, .desc = "generated",
        .os = oses[os][0], .distro = oses[os][1], .major = oses[os][2], .minor = oses[os][3],
        .power = p < 7 ? "Running" : p < 9 ? "Halted" : "Suspended",
        .vcpus = 1 << g_rand_int_range (rand, 0, 3),
        .mem = (gint64) (1 << g_rand_int_range (rand, 0, 4)) * GiB,
        .disk = (gint64) g_rand_int_range (rand, 10, 200) * GiB,
        .local_disk = g_rand_int_range (rand, 0, 4) == 0,
        .ip = ip,
        .windows = strcmp (oses[os][4], "windows") == 0,
      };
      spec.host = strcmp (spec.power, "Running") == 0 ? i % sim->n_hosts : -1;
      if (spec.local_disk && spec.host < 0)
        spec.local_disk = FALSE;
      add_vm (b, &spec);
    }
  g_rand_free (rand);
  builder_free (b);
}

gboolean
sim_scenario_load (Sim     *sim,
                   GError **error)
{
  const char *sc = sim->scenario;

  if (strcmp (sc, "demo") == 0)
    scenario_demo (sim);
  else if (strcmp (sc, "demo2") == 0)
    scenario_demo2 (sim);
  else if (strcmp (sc, "large") == 0)
    scenario_large (sim);
  else
    return sim_statedb_load (sim, sc, error);
  return TRUE;
}

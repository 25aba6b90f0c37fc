/* xapi-error.c: the XAPI error domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "xapi-error.h"

typedef struct {
  char  *code;
  char **params;
} XapiErrorPrivate;

static void
xapi_error_private_init (XapiErrorPrivate *priv)
{
  priv->code = NULL;
  priv->params = NULL;
}

static void
xapi_error_private_copy (const XapiErrorPrivate *src,
                         XapiErrorPrivate       *dest)
{
  dest->code = g_strdup (src->code);
  dest->params = g_strdupv (src->params);
}

static void
xapi_error_private_clear (XapiErrorPrivate *priv)
{
  g_clear_pointer (&priv->code, g_free);
  g_clear_pointer (&priv->params, g_strfreev);
}

G_DEFINE_EXTENDED_ERROR (XapiError, xapi_error)

static const struct {
  const char    *code;
  XapiErrorCode  value;
} code_table[] = {
  { "SESSION_INVALID", XAPI_ERROR_SESSION_INVALID },
  { "SESSION_AUTHENTICATION_FAILED", XAPI_ERROR_SESSION_AUTHENTICATION_FAILED },
  { "HOST_IS_SLAVE", XAPI_ERROR_HOST_IS_SLAVE },
  { "HANDLE_INVALID", XAPI_ERROR_HANDLE_INVALID },
  { "RBAC_PERMISSION_DENIED", XAPI_ERROR_RBAC_PERMISSION_DENIED },
  { "MESSAGE_METHOD_UNKNOWN", XAPI_ERROR_MESSAGE_METHOD_UNKNOWN },
  { "MESSAGE_PARAMETER_COUNT_MISMATCH", XAPI_ERROR_MESSAGE_PARAMETER_COUNT_MISMATCH },
  { "VM_BAD_POWER_STATE", XAPI_ERROR_VM_BAD_POWER_STATE },
  { "OPERATION_NOT_ALLOWED", XAPI_ERROR_OPERATION_NOT_ALLOWED },
  { "OTHER_OPERATION_IN_PROGRESS", XAPI_ERROR_OTHER_OPERATION_IN_PROGRESS },
  { "TASK_CANCELLED", XAPI_ERROR_TASK_CANCELLED },
  { "HOST_STILL_BOOTING", XAPI_ERROR_HOST_STILL_BOOTING },
  { "INTERNAL_ERROR", XAPI_ERROR_INTERNAL_ERROR },
  { "SR_FULL", XAPI_ERROR_SR_FULL },
  { "HOST_NOT_ENOUGH_FREE_MEMORY", XAPI_ERROR_HOST_NOT_ENOUGH_FREE_MEMORY },
  { "HOST_OFFLINE", XAPI_ERROR_HOST_OFFLINE },
  { "NO_HOSTS_AVAILABLE", XAPI_ERROR_NO_HOSTS_AVAILABLE },
  { "VM_REQUIRES_SR", XAPI_ERROR_VM_REQUIRES_SR },
  { "VDI_IN_USE", XAPI_ERROR_VDI_IN_USE },
  { "VM_MISSING_PV_DRIVERS", XAPI_ERROR_VM_MISSING_PV_DRIVERS },
  { "EVENTS_LOST", XAPI_ERROR_EVENTS_LOST },
  { "INVALID_VALUE", XAPI_ERROR_INVALID_VALUE },
  { "Fault", XAPI_ERROR_FAULT },
};

XapiErrorCode
xapi_error_code_from_string (const char *code)
{
  if (code == NULL)
    return XAPI_ERROR_OTHER;
  for (gsize i = 0; i < G_N_ELEMENTS (code_table); i++)
    if (strcmp (code_table[i].code, code) == 0)
      return code_table[i].value;
  return XAPI_ERROR_OTHER;
}

static const char *
param (const char * const *params,
       guint               i)
{
  for (guint k = 0; k <= i; k++)
    if (params == NULL || params[k] == NULL)
      return NULL;
  return params[i];
}

/* Codes without an XapiErrorCode of their own whose sentence needs none of
 * the parameters (HA, bonds and VLANs, hosts, storage); marked with N_(),
 * translated where they are used. */
static const struct {
  const char *code;
  const char *sentence;
} plain_sentences[] = {
  { "HA_IS_ENABLED", N_("This cannot be done while HA is enabled on the pool; disable HA first.") },
  { "HA_NOT_ENABLED", N_("HA is not enabled on this pool.") },
  { "HA_NOT_INSTALLED", N_("HA is not installed on a host of the pool.") },
  { "HA_ENABLE_IN_PROGRESS", N_("HA is being enabled; wait for it to finish.") },
  { "HA_DISABLE_IN_PROGRESS", N_("HA is being disabled; wait for it to finish.") },
  { "HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN",
    N_("This would leave the pool unable to restart its protected VMs if a host failed.") },
  { "HA_NO_PLAN", N_("The pool does not have the capacity to restart its protected VMs if a host fails.") },
  { "HA_TOO_FEW_HOSTS", N_("HA needs more hosts in the pool.") },
  { "HA_HOST_CANNOT_ACCESS_STATEFILE", N_("A host cannot reach the HA heartbeat disk.") },
  { "HA_LOST_STATEFILE", N_("The pool lost its HA heartbeat disk.") },
  { "HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED",
    N_("A protected VM has a disk on storage that not every host can reach.") },
  { "HA_CONSTRAINT_VIOLATION_NETWORK_NOT_SHARED",
    N_("A protected VM uses a network that not every host has.") },
  { "HA_CANNOT_CHANGE_BOND_STATUS_OF_MGMT_IFACE",
    N_("While HA is enabled, the management interface cannot be bonded or unbonded.") },
  { "PIF_ALREADY_BONDED", N_("The network interface is already part of a bond.") },
  { "PIF_BOND_NEEDS_MORE_MEMBERS", N_("A bond needs at least two network interfaces.") },
  { "PIF_CANNOT_BOND_CROSS_HOST", N_("The network interfaces of a bond must all be on one host.") },
  { "PIF_IS_VLAN", N_("The network interface is a VLAN; choose a physical interface.") },
  { "PIF_VLAN_EXISTS", N_("A VLAN with this tag already exists on the network interface.") },
  { "PIF_IS_MANAGEMENT_INTERFACE", N_("The network interface carries the host's management traffic.") },
  { "PIF_HAS_NO_NETWORK_CONFIGURATION", N_("The network interface has no IP address configured.") },
  { "VLAN_TAG_INVALID", N_("A VLAN tag must be a number from 0 to 4094.") },
  { "NETWORK_CONTAINS_VIF", N_("The network is still used by virtual network interfaces of VMs.") },
  { "NETWORK_CONTAINS_PIF", N_("The network is still connected to network interfaces of hosts.") },
  { "HOST_DISABLED", N_("The host is disabled (in maintenance mode).") },
  { "HOST_NOT_DISABLED", N_("Disable the host (enter maintenance mode) first.") },
  { "HOST_NOT_LIVE", N_("The host is not running.") },
  { "HOST_IN_USE", N_("The host is still in use.") },
  { "HOST_CANNOT_ATTACH_NETWORK", N_("The host cannot connect to the network.") },
  { "CANNOT_CONTACT_HOST", N_("The host cannot be contacted.") },
  { "SR_HAS_PBD", N_("The storage repository is still attached to hosts; detach it first.") },
  { "SR_NOT_EMPTY", N_("The storage repository is not empty.") },
  { "SR_UNKNOWN_DRIVER", N_("The server does not support this kind of storage.") },
  { "SR_UUID_EXISTS", N_("The pool already knows a storage repository with this UUID.") },
  { "VDI_TOO_SMALL", N_("The disk is too small for this.") },
  { "VDI_READ_ONLY", N_("The disk is read-only.") },
  { "VM_IS_TEMPLATE", N_("This cannot be done to a template.") },
  { "LICENCE_RESTRICTION", N_("The pool's licence does not allow this.") },
};

/* A sentence for the codes users meet most; NULL when we have none. */
static char *
friendly_sentence (const char         *code,
                   const char * const *p)
{
  const char *p0 = param (p, 0), *p1 = param (p, 1), *p2 = param (p, 2);

  for (gsize i = 0; i < G_N_ELEMENTS (plain_sentences); i++)
    if (strcmp (plain_sentences[i].code, code) == 0)
      return g_strdup (_(plain_sentences[i].sentence));
  /* SR_BACKEND_FAILURE_<n> carries the storage manager's own text */
  if (g_str_has_prefix (code, "SR_BACKEND_FAILURE"))
    /* Translators: %s is the storage manager's own message (English) */
    return (p2 != NULL && p2[0] != '\0') ? g_strdup_printf (_("The storage back end failed: %s"), p2)
         : (p1 != NULL && p1[0] != '\0') ? g_strdup_printf (_("The storage back end failed: %s"), p1)
         : g_strdup (_("The storage back end failed."));

  switch (xapi_error_code_from_string (code))
    {
    case XAPI_ERROR_SESSION_INVALID:
      return g_strdup (_("The session is no longer valid; log in again."));
    case XAPI_ERROR_SESSION_AUTHENTICATION_FAILED:
      return g_strdup (_("The user name or password is wrong."));
    case XAPI_ERROR_HOST_IS_SLAVE:
      /* Translators: %s is the address of the pool master */
      return p0 ? g_strdup_printf (_("This host is a pool member; the pool master is %s."), p0)
                : g_strdup (_("This host is a pool member, not the pool master."));
    case XAPI_ERROR_HANDLE_INVALID:
      /* Translators: %s is the XenAPI class of the object, untranslated: "VM", "host", "SR", "VDI"... */
      return p0 ? g_strdup_printf (_("The %s no longer exists on the server."), p0)
                : g_strdup (_("The object no longer exists on the server."));
    case XAPI_ERROR_RBAC_PERMISSION_DENIED:
      /* Translators: %s is the name of the XenAPI call, e.g. "VM.start" */
      return p0 ? g_strdup_printf (_("Your role does not allow %s."), p0)
                : g_strdup (_("Your role does not allow this operation."));
    case XAPI_ERROR_MESSAGE_METHOD_UNKNOWN:
      /* Translators: %s is the name of the XenAPI call, e.g. "VM.start" */
      return p0 ? g_strdup_printf (_("The server does not know the call %s; it may be too old."), p0)
                : g_strdup (_("The server does not know this call; it may be too old."));
    case XAPI_ERROR_MESSAGE_PARAMETER_COUNT_MISMATCH:
      /* Translators: the first and the last %s are numbers of parameters, the
       * second is the name of the XenAPI call, e.g. "VM.start" */
      return p0 ? g_strdup_printf (_("The server expected %s parameter(s) for %s but got %s."),
                                   p1 ? p1 : "?", p0, p2 ? p2 : "?")
      /* Translators: both %s are numbers of parameters */
                : g_strdup_printf (_("The server expected %s parameter(s) for the call but got %s."),
                                   p1 ? p1 : "?", p2 ? p2 : "?");
    case XAPI_ERROR_VM_BAD_POWER_STATE:
      /* Translators: both %s are power states as the server names them,
       * untranslated: "Running", "Halted", "Suspended", "Paused" */
      return (p1 && p2) ? g_strdup_printf (_("The VM must be %s for this, but it is %s."), p1, p2)
                        : g_strdup (_("The VM is not in the right power state for this."));
    case XAPI_ERROR_OPERATION_NOT_ALLOWED:
      /* Translators: %s is the server's reason, in English */
      return p0 ? g_strdup_printf (_("The operation is not allowed: %s."), p0)
                : g_strdup (_("The operation is not allowed right now."));
    case XAPI_ERROR_OTHER_OPERATION_IN_PROGRESS:
      /* Translators: the first %s is the operation as the server names it
       * ("clean_shutdown", "migrate_send"...), the second the XenAPI class of
       * the object, untranslated: "VM", "host", "SR"... */
      return (p1 && p0) ? g_strdup_printf (_("Another operation (%s) is in progress on this %s."), p1, p0)
      /* Translators: %s is the operation as the server names it ("clean_shutdown"...) */
           : p1 ? g_strdup_printf (_("Another operation (%s) is in progress on this object."), p1)
           : g_strdup (_("Another operation is in progress on this object."));
    case XAPI_ERROR_TASK_CANCELLED:
      return g_strdup (_("The task was cancelled."));
    case XAPI_ERROR_HOST_STILL_BOOTING:
      return g_strdup (_("The host is still booting; try again in a minute."));
    case XAPI_ERROR_INTERNAL_ERROR:
      /* Translators: %s is the server's message, in English */
      return p0 ? g_strdup_printf (_("The server hit an internal error: %s"), p0)
                : g_strdup (_("The server hit an internal error."));
    case XAPI_ERROR_SR_FULL:
      return g_strdup (_("The storage repository is full."));
    case XAPI_ERROR_HOST_NOT_ENOUGH_FREE_MEMORY:
      return g_strdup (_("The host does not have enough free memory for this VM."));
    case XAPI_ERROR_HOST_OFFLINE:
      return g_strdup (_("The host is offline."));
    case XAPI_ERROR_NO_HOSTS_AVAILABLE:
      return g_strdup (_("No host in the pool can run this VM."));
    case XAPI_ERROR_VM_REQUIRES_SR:
      return g_strdup (_("The VM needs a storage repository this host cannot reach."));
    case XAPI_ERROR_VDI_IN_USE:
      return g_strdup (_("The disk is in use."));
    case XAPI_ERROR_VM_MISSING_PV_DRIVERS:
      return g_strdup (_("The VM has no guest tools (PV drivers) installed, which this needs."));
    case XAPI_ERROR_EVENTS_LOST:
      return g_strdup (_("Too many changes happened at once; the view is being refreshed."));
    case XAPI_ERROR_INVALID_VALUE:
      /* Translators: the first %s is the field or parameter, the second the
       * value the server refused */
      return (p0 && p1) ? g_strdup_printf (_("Invalid value for %s: %s."), p0, p1)
      /* Translators: %s is the field or parameter the server refused */
           : p0 ? g_strdup_printf (_("Invalid value for %s."), p0)
           : g_strdup (_("Invalid value."));
    case XAPI_ERROR_FAULT:
      /* Translators: %s is the server's fault message, in English */
      return p0 ? g_strdup_printf (_("The server refused the call: %s"), p0) : NULL;
    case XAPI_ERROR_OTHER:
    case XAPI_ERROR_PROTOCOL:
    case XAPI_ERROR_HTTP:
    default:
      return NULL;
    }
}

static char *
raw_text (const char         *code,
          const char * const *params)
{
  GString *s = g_string_new (code);

  if (params != NULL && params[0] != NULL)
    {
      g_string_append (s, " (");
      for (guint i = 0; params[i] != NULL; i++)
        {
          if (i > 0)
            g_string_append (s, ", ");
          g_string_append (s, params[i]);
        }
      g_string_append_c (s, ')');
    }
  return g_string_free (s, FALSE);
}

GError *
xapi_error_new_from_description (const char * const *description)
{
  const char *code;
  const char * const *params;
  g_autofree char *sentence = NULL;
  GError *error;
  XapiErrorPrivate *priv;

  code = (description != NULL && description[0] != NULL && description[0][0] != '\0')
         ? description[0] : "UNKNOWN_ERROR";
  params = (description != NULL && description[0] != NULL) ? description + 1 : NULL;

  sentence = friendly_sentence (code, params);
  if (sentence == NULL)
    sentence = raw_text (code, params);

  error = g_error_new_literal (XAPI_ERROR, xapi_error_code_from_string (code), sentence);
  priv = xapi_error_get_private (error);
  priv->code = g_strdup (code);
  priv->params = params ? g_strdupv ((char **) params) : g_new0 (char *, 1);
  return error;
}

GError *
xapi_error_new (const char *code,
                const char *first_param,
                ...)
{
  g_autoptr(GPtrArray) desc = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (desc, (gpointer) code);
  va_start (ap, first_param);
  for (const char *p = first_param; p != NULL; p = va_arg (ap, const char *))
    g_ptr_array_add (desc, (gpointer) p);
  va_end (ap);
  g_ptr_array_add (desc, NULL);
  return xapi_error_new_from_description ((const char * const *) desc->pdata);
}

const char *
xapi_error_get_code_string (const GError *error)
{
  XapiErrorPrivate *priv;

  if (error == NULL || error->domain != XAPI_ERROR)
    return NULL;
  priv = xapi_error_get_private (error);
  return priv ? priv->code : NULL;
}

const char * const *
xapi_error_get_params (const GError *error)
{
  static const char * const empty[] = { NULL };
  XapiErrorPrivate *priv;

  if (error == NULL || error->domain != XAPI_ERROR)
    return NULL;
  priv = xapi_error_get_private (error);
  if (priv == NULL || priv->params == NULL)
    return empty;
  return (const char * const *) priv->params;
}

char *
xapi_error_describe (const GError *error,
                     gboolean      with_code)
{
  const char *code;

  if (error == NULL)
    return g_strdup (_("Unknown error."));

  if (error->domain == G_TLS_ERROR)
    /* Translators: %s is the TLS library's reason */
    return g_strdup_printf (_("The server's certificate is not trusted (%s)."), error->message);
  if (error->domain == G_RESOLVER_ERROR)
    /* Translators: %s is the resolver's reason */
    return g_strdup_printf (_("The server name could not be resolved (%s)."), error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return g_strdup (_("The server refused the connection: nothing is listening at that address and port."));
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_strdup (_("The server did not answer in time."));
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    return g_strdup (_("The server cannot be reached over the network."));
  if (g_error_matches (error, XAPI_ERROR, XAPI_ERROR_PROTOCOL))
    /* Translators: %s is a technical detail on what was wrong in the reply */
    return g_strdup_printf (_("The server's reply was not understood; it may not be a XenServer or XCP-ng host (%s)."),
                            error->message);

  code = xapi_error_get_code_string (error);
  if (with_code && code != NULL && strstr (error->message, code) == NULL)
    return g_strdup_printf ("%s [%s]", error->message, code);
  return g_strdup (error->message);
}

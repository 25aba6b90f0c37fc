/* xapi-error.h: the XAPI error domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every failure xapi reports is a list of strings: a code followed by its
 * parameters ("HANDLE_INVALID", "VM", "OpaqueRef:…").  We turn it into a
 * GError in the XAPI_ERROR domain whose code is the matching XapiErrorCode
 * (XAPI_ERROR_OTHER for codes we do not list), and which keeps the raw code
 * string and the parameters (an extended error domain).  The message is a
 * readable sentence for the common codes and "CODE (p1, p2)" otherwise.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define XAPI_ERROR (xapi_error_quark ())
GQuark xapi_error_quark (void);

typedef enum {
  XAPI_ERROR_OTHER,                        /* any code not listed below */
  XAPI_ERROR_PROTOCOL,                     /* the reply is not a JSON-RPC response we understand */
  XAPI_ERROR_HTTP,                         /* HTTP status other than 200 */
  XAPI_ERROR_SESSION_INVALID,
  XAPI_ERROR_SESSION_AUTHENTICATION_FAILED,
  XAPI_ERROR_HOST_IS_SLAVE,
  XAPI_ERROR_HANDLE_INVALID,
  XAPI_ERROR_RBAC_PERMISSION_DENIED,
  XAPI_ERROR_MESSAGE_METHOD_UNKNOWN,
  XAPI_ERROR_MESSAGE_PARAMETER_COUNT_MISMATCH,
  XAPI_ERROR_VM_BAD_POWER_STATE,
  XAPI_ERROR_OPERATION_NOT_ALLOWED,
  XAPI_ERROR_OTHER_OPERATION_IN_PROGRESS,
  XAPI_ERROR_TASK_CANCELLED,
  XAPI_ERROR_HOST_STILL_BOOTING,
  XAPI_ERROR_INTERNAL_ERROR,
  XAPI_ERROR_SR_FULL,
  XAPI_ERROR_HOST_NOT_ENOUGH_FREE_MEMORY,
  XAPI_ERROR_HOST_OFFLINE,
  XAPI_ERROR_NO_HOSTS_AVAILABLE,
  XAPI_ERROR_VM_REQUIRES_SR,
  XAPI_ERROR_VDI_IN_USE,
  XAPI_ERROR_VM_MISSING_PV_DRIVERS,
  XAPI_ERROR_EVENTS_LOST,
  XAPI_ERROR_INVALID_VALUE,
  XAPI_ERROR_FAULT,
} XapiErrorCode;

/* @description: code followed by parameters, NULL-terminated. */
GError             *xapi_error_new_from_description (const char * const *description);
GError             *xapi_error_new                  (const char         *code,
                                                     const char         *first_param,
                                                     ...) G_GNUC_NULL_TERMINATED;
XapiErrorCode       xapi_error_code_from_string     (const char         *code);

/* The raw XAPI code ("VM_BAD_POWER_STATE") of an XAPI_ERROR, or NULL for
 * other domains and for errors made by the client itself (PROTOCOL, HTTP). */
const char         *xapi_error_get_code_string      (const GError       *error);
/* The parameters of an XAPI_ERROR (never NULL for that domain; NULL otherwise). */
const char * const *xapi_error_get_params           (const GError       *error);
/* A readable sentence for any error (newly allocated); for XAPI errors it
 * names the code at the end when @with_code is TRUE. */
char               *xapi_error_describe             (const GError       *error,
                                                     gboolean            with_code);

G_END_DECLS

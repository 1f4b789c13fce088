/**
 * Settings the console can change while the proxy runs. Auth mode, API key, admin password and
 * recording apply at once; port and LAN access are saved and need a restart (the socket is bound
 * once). On Workers configuration lives in wrangler vars and secrets, so nothing is saved here.
 */
import { z } from "zod";
import { AUTH_MODES, API_KEY_RULE, type Config, effectiveAuthMode, isValidApiKey } from "./config.js";
import { ProxyError } from "./errors.js";

export const SettingsPatchSchema = z
  .object({
    port: z.number().int().min(1).max(65535).optional(),
    allow_lan_access: z.boolean().optional(),
    auth_mode: z.enum(AUTH_MODES).optional(),
    api_key: z
      .string()
      .refine(isValidApiKey, { message: `the API key ${API_KEY_RULE}` })
      .optional(),
    admin_password: z
      .string()
      .min(4, "the admin password must be at least 4 characters")
      .nullable()
      .optional(),
    monitor_enabled: z.boolean().optional(),
  })
  .strict();

export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export interface Settings {
  current(): Config;
  /** The binding the running server has (port and LAN changes wait for a restart). */
  bound: { port: number; allow_lan_access: boolean };
  update(patch: SettingsPatch): Promise<{ config: Config; restartRequired: string[] }>;
}

/** Applies a patch to the running config and saves it with `save` (the config file on Node). */
export function createSettings(
  initial: Config,
  bound: { port: number; allow_lan_access: boolean },
  save: ((patch: Record<string, unknown>) => Promise<void>) | null,
): Settings {
  let config = initial;
  return {
    current: () => config,
    bound,
    async update(patch) {
      if (!save) {
        throw new ProxyError(
          501,
          "invalid_request",
          "Settings are read-only here: on Workers, change wrangler vars and secrets (wrangler secret put ANTIGRAVITY_API_KEY) and redeploy.",
        );
      }
      const next: Config = {
        ...config,
        ...(patch.port !== undefined ? { port: patch.port } : {}),
        ...(patch.allow_lan_access !== undefined ? { allow_lan_access: patch.allow_lan_access } : {}),
        ...(patch.auth_mode !== undefined ? { auth_mode: patch.auth_mode } : {}),
        ...(patch.api_key !== undefined ? { api_key: patch.api_key } : {}),
        ...(patch.admin_password !== undefined ? { admin_password: patch.admin_password } : {}),
        ...(patch.monitor_enabled !== undefined
          ? { monitor: { ...config.monitor, enabled: patch.monitor_enabled } }
          : {}),
      };
      if (next.allow_lan_access && effectiveAuthMode(next) === "off") {
        throw new ProxyError(
          400,
          "invalid_request",
          "LAN access with auth mode off would let anyone on your network use your accounts: choose all_except_health, strict or auto.",
        );
      }
      const { monitor_enabled, ...filePatch } = patch;
      await save({ ...filePatch, ...(monitor_enabled !== undefined ? { monitor: next.monitor } : {}) });
      config = next;
      const restartRequired = [
        ...(next.port !== bound.port ? ["port"] : []),
        ...(next.allow_lan_access !== bound.allow_lan_access ? ["allow_lan_access"] : []),
      ];
      return { config, restartRequired };
    },
  };
}

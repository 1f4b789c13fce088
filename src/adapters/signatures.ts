/**
 * Thought signatures the upstream returned, by tool call id, so a later turn that replays the call
 * can carry the signature Gemini expects. Bounded memory; an in-process cache, passed to adapters.
 */
export const SKIP_SIGNATURE = "skip_thought_signature_validator";

export class SignatureStore {
  private readonly byCall = new Map<string, string>();
  private readonly families = new Map<string, string>();
  constructor(private readonly max = 5000) {}

  /** Remembers which model family (claude or gemini) issued a thinking signature. */
  rememberThinking(signature: string | undefined, model: string): void {
    if (!signature) return;
    this.families.delete(signature);
    this.families.set(signature, model.startsWith("claude") ? "claude" : "gemini");
    if (this.families.size > this.max) this.families.delete(this.families.keys().next().value!);
  }

  familyOf(signature: string): string | undefined {
    return this.families.get(signature);
  }

  remember(callId: string | undefined, signature: string | undefined): void {
    if (!callId || !signature) return;
    this.byCall.delete(callId);
    this.byCall.set(callId, signature);
    if (this.byCall.size > this.max) this.byCall.delete(this.byCall.keys().next().value!);
  }

  forCall(callId: string | undefined): string | undefined {
    return callId ? this.byCall.get(callId) : undefined;
  }
}

/**
 * The signature a replayed functionCall part needs: the one Gemini gave for it, else (Gemini models
 * only) the sentinel that tells the upstream to skip validation.
 */
export function signatureFor(
  store: SignatureStore,
  callId: string | undefined,
  model: string,
): string | undefined {
  return store.forCall(callId) ?? (model.startsWith("gemini") ? SKIP_SIGNATURE : undefined);
}

/** The Gemini GenerateContent shapes the adapters read and write (only the fields they touch are typed). */
export interface GeminiPart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  functionCall?: { name: string; args?: Record<string, unknown>; id?: string };
  functionResponse?: { name: string; response?: unknown; id?: string };
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  [k: string]: unknown;
}

export interface GeminiContent {
  role?: string;
  parts: GeminiPart[];
}

export interface GeminiCandidate {
  content?: GeminiContent;
  finishReason?: string;
  index?: number;
  [k: string]: unknown;
}

export interface GeminiUsage {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  [k: string]: unknown;
}

export interface GeminiResponse {
  candidates?: GeminiCandidate[];
  usageMetadata?: GeminiUsage;
  modelVersion?: string;
  responseId?: string;
  promptFeedback?: unknown;
  [k: string]: unknown;
}

export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { role?: string; parts: GeminiPart[] };
  tools?: Record<string, unknown>[];
  toolConfig?: Record<string, unknown>;
  generationConfig?: Record<string, unknown> & { thinkingConfig?: Record<string, unknown> };
  safetySettings?: unknown[];
  [k: string]: unknown;
}

/** What goes to v1internal (spec §6.4). */
export interface Envelope {
  project: string;
  requestId: string;
  request: GeminiRequest & { sessionId: string };
  model: string;
  userAgent: string;
  requestType: "agent" | "image_gen";
  enabledCreditTypes?: string[];
}

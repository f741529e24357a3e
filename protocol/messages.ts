import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum PeerRole {
  ROLE_UNSPECIFIED = 'ROLE_UNSPECIFIED',
  VERIFIER = 'VERIFIER',
  BROWSER = 'BROWSER',
  RELAY = 'RELAY'
}

enum __PeerRoleValues {
  ROLE_UNSPECIFIED = 0,
  VERIFIER = 1,
  BROWSER = 2,
  RELAY = 3
}

export namespace PeerRole {
  export const codec = (): Codec<PeerRole> => {
    return enumeration<PeerRole>(__PeerRoleValues)
  }
}

export interface Announcement {
  role: PeerRole
  agent: string
  model: string
  tokenizerFingerprint: string
  queueDepth: number
  capacity: number
  addresses: string[]
  sentAtMs: bigint
  drafting: boolean
  contextLength: number
  warmPrefixes: string[]
  running: number
  queueSize: number
}

export namespace Announcement {
  let _codec: Codec<Announcement>

  export const codec = (): Codec<Announcement> => {
    if (_codec == null) {
      _codec = message<Announcement>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.role != null && __PeerRoleValues[obj.role] !== 0) {
          w.uint32(8)
          PeerRole.codec().encode(obj.role, w)
        }

        if ((obj.agent != null && obj.agent !== '')) {
          w.uint32(18)
          w.string(obj.agent)
        }

        if ((obj.model != null && obj.model !== '')) {
          w.uint32(26)
          w.string(obj.model)
        }

        if ((obj.tokenizerFingerprint != null && obj.tokenizerFingerprint !== '')) {
          w.uint32(34)
          w.string(obj.tokenizerFingerprint)
        }

        if ((obj.queueDepth != null && obj.queueDepth !== 0)) {
          w.uint32(40)
          w.uint32(obj.queueDepth)
        }

        if ((obj.capacity != null && obj.capacity !== 0)) {
          w.uint32(48)
          w.uint32(obj.capacity)
        }

        if (obj.addresses != null && obj.addresses.length > 0) {
          for (const value of obj.addresses) {
            w.uint32(58)
            w.string(value)
          }
        }

        if ((obj.sentAtMs != null && obj.sentAtMs !== 0n)) {
          w.uint32(64)
          w.uint64(obj.sentAtMs)
        }

        if ((obj.drafting != null && obj.drafting !== false)) {
          w.uint32(72)
          w.bool(obj.drafting)
        }

        if ((obj.contextLength != null && obj.contextLength !== 0)) {
          w.uint32(80)
          w.uint32(obj.contextLength)
        }

        if (obj.warmPrefixes != null && obj.warmPrefixes.length > 0) {
          for (const value of obj.warmPrefixes) {
            w.uint32(90)
            w.string(value)
          }
        }

        if ((obj.running != null && obj.running !== 0)) {
          w.uint32(96)
          w.uint32(obj.running)
        }

        if ((obj.queueSize != null && obj.queueSize !== 0)) {
          w.uint32(104)
          w.uint32(obj.queueSize)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          role: PeerRole.ROLE_UNSPECIFIED,
          agent: '',
          model: '',
          tokenizerFingerprint: '',
          queueDepth: 0,
          capacity: 0,
          addresses: [],
          sentAtMs: 0n,
          drafting: false,
          contextLength: 0,
          warmPrefixes: [],
          running: 0,
          queueSize: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.role = PeerRole.codec().decode(reader)
              break
            }
            case 2: {
              obj.agent = reader.string()
              break
            }
            case 3: {
              obj.model = reader.string()
              break
            }
            case 4: {
              obj.tokenizerFingerprint = reader.string()
              break
            }
            case 5: {
              obj.queueDepth = reader.uint32()
              break
            }
            case 6: {
              obj.capacity = reader.uint32()
              break
            }
            case 7: {
              if (opts.limits?.addresses != null && obj.addresses.length === opts.limits.addresses) {
                throw new MaxLengthError('Decode error - repeated field "addresses" had too many elements')
              }

              obj.addresses.push(reader.string())
              break
            }
            case 8: {
              obj.sentAtMs = reader.uint64()
              break
            }
            case 9: {
              obj.drafting = reader.bool()
              break
            }
            case 10: {
              obj.contextLength = reader.uint32()
              break
            }
            case 11: {
              if (opts.limits?.warmPrefixes != null && obj.warmPrefixes.length === opts.limits.warmPrefixes) {
                throw new MaxLengthError('Decode error - repeated field "warmPrefixes" had too many elements')
              }

              obj.warmPrefixes.push(reader.string())
              break
            }
            case 12: {
              obj.running = reader.uint32()
              break
            }
            case 13: {
              obj.queueSize = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          addresses: 0,
          warmPrefixes: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.role`,
                value: PeerRole.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.agent`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.model`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.tokenizerFingerprint`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.queueDepth`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.capacity`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              if (opts.limits?.addresses != null && obj.addresses === opts.limits.addresses) {
                throw new MaxLengthError('Streaming decode error - repeated field "addresses" had too many elements')
              }

              yield {
                field: `${prefix}.addresses[]`,
                index: obj.addresses,
                value: reader.string()
              }

              obj.addresses++

              break
            }
            case 8: {
              yield {
                field: `${prefix}.sentAtMs`,
                value: reader.uint64()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.drafting`,
                value: reader.bool()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.contextLength`,
                value: reader.uint32()
              }
              break
            }
            case 11: {
              if (opts.limits?.warmPrefixes != null && obj.warmPrefixes === opts.limits.warmPrefixes) {
                throw new MaxLengthError('Streaming decode error - repeated field "warmPrefixes" had too many elements')
              }

              yield {
                field: `${prefix}.warmPrefixes[]`,
                index: obj.warmPrefixes,
                value: reader.string()
              }

              obj.warmPrefixes++

              break
            }
            case 12: {
              yield {
                field: `${prefix}.running`,
                value: reader.uint32()
              }
              break
            }
            case 13: {
              yield {
                field: `${prefix}.queueSize`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface AnnouncementRoleFieldEvent {
    field: '$.role'
    value: PeerRole
  }

  export interface AnnouncementAgentFieldEvent {
    field: '$.agent'
    value: string
  }

  export interface AnnouncementModelFieldEvent {
    field: '$.model'
    value: string
  }

  export interface AnnouncementTokenizerFingerprintFieldEvent {
    field: '$.tokenizerFingerprint'
    value: string
  }

  export interface AnnouncementQueueDepthFieldEvent {
    field: '$.queueDepth'
    value: number
  }

  export interface AnnouncementCapacityFieldEvent {
    field: '$.capacity'
    value: number
  }

  export interface AnnouncementAddressesFieldEvent {
    field: '$.addresses[]'
    index: number
    value: string
  }

  export interface AnnouncementSentAtMsFieldEvent {
    field: '$.sentAtMs'
    value: bigint
  }

  export interface AnnouncementDraftingFieldEvent {
    field: '$.drafting'
    value: boolean
  }

  export interface AnnouncementContextLengthFieldEvent {
    field: '$.contextLength'
    value: number
  }

  export interface AnnouncementWarmPrefixesFieldEvent {
    field: '$.warmPrefixes[]'
    index: number
    value: string
  }

  export interface AnnouncementRunningFieldEvent {
    field: '$.running'
    value: number
  }

  export interface AnnouncementQueueSizeFieldEvent {
    field: '$.queueSize'
    value: number
  }

  export function encode (obj: Partial<Announcement>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Announcement.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Announcement>): Announcement {
    return decodeMessage(buf, Announcement.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Announcement>): Generator<AnnouncementRoleFieldEvent | AnnouncementAgentFieldEvent | AnnouncementModelFieldEvent | AnnouncementTokenizerFingerprintFieldEvent | AnnouncementQueueDepthFieldEvent | AnnouncementCapacityFieldEvent | AnnouncementAddressesFieldEvent | AnnouncementSentAtMsFieldEvent | AnnouncementDraftingFieldEvent | AnnouncementContextLengthFieldEvent | AnnouncementWarmPrefixesFieldEvent | AnnouncementRunningFieldEvent | AnnouncementQueueSizeFieldEvent> {
    return streamMessage(buf, Announcement.codec(), opts)
  }
}

export enum ChatRole {
  CHAT_ROLE_UNSPECIFIED = 'CHAT_ROLE_UNSPECIFIED',
  SYSTEM = 'SYSTEM',
  USER = 'USER',
  ASSISTANT = 'ASSISTANT',
  TOOL = 'TOOL'
}

enum __ChatRoleValues {
  CHAT_ROLE_UNSPECIFIED = 0,
  SYSTEM = 1,
  USER = 2,
  ASSISTANT = 3,
  TOOL = 4
}

export namespace ChatRole {
  export const codec = (): Codec<ChatRole> => {
    return enumeration<ChatRole>(__ChatRoleValues)
  }
}

export enum ChatPrivacy {
  VERIFIER_ONLY = 'VERIFIER_ONLY',
  DRAFTERS_ALLOWED = 'DRAFTERS_ALLOWED'
}

enum __ChatPrivacyValues {
  VERIFIER_ONLY = 0,
  DRAFTERS_ALLOWED = 1
}

export namespace ChatPrivacy {
  export const codec = (): Codec<ChatPrivacy> => {
    return enumeration<ChatPrivacy>(__ChatPrivacyValues)
  }
}

export interface ToolCall {
  id: string
  name: string
  arguments: string
}

export namespace ToolCall {
  let _codec: Codec<ToolCall>

  export const codec = (): Codec<ToolCall> => {
    if (_codec == null) {
      _codec = message<ToolCall>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(18)
          w.string(obj.name)
        }

        if ((obj.arguments != null && obj.arguments !== '')) {
          w.uint32(26)
          w.string(obj.arguments)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          name: '',
          arguments: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.string()
              break
            }
            case 2: {
              obj.name = reader.string()
              break
            }
            case 3: {
              obj.arguments = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.arguments`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ToolCallIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface ToolCallNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface ToolCallArgumentsFieldEvent {
    field: '$.arguments'
    value: string
  }

  export function encode (obj: Partial<ToolCall>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ToolCall.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ToolCall>): ToolCall {
    return decodeMessage(buf, ToolCall.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ToolCall>): Generator<ToolCallIdFieldEvent | ToolCallNameFieldEvent | ToolCallArgumentsFieldEvent> {
    return streamMessage(buf, ToolCall.codec(), opts)
  }
}

export interface ChatMessage {
  role: ChatRole
  content: string
  toolCalls: ToolCall[]
  toolCallId?: string
}

export namespace ChatMessage {
  let _codec: Codec<ChatMessage>

  export const codec = (): Codec<ChatMessage> => {
    if (_codec == null) {
      _codec = message<ChatMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.role != null && __ChatRoleValues[obj.role] !== 0) {
          w.uint32(8)
          ChatRole.codec().encode(obj.role, w)
        }

        if ((obj.content != null && obj.content !== '')) {
          w.uint32(18)
          w.string(obj.content)
        }

        if (obj.toolCalls != null && obj.toolCalls.length > 0) {
          for (const value of obj.toolCalls) {
            w.uint32(26)
            ToolCall.codec().encode(value, w)
          }
        }

        if (obj.toolCallId != null) {
          w.uint32(34)
          w.string(obj.toolCallId)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          role: ChatRole.CHAT_ROLE_UNSPECIFIED,
          content: '',
          toolCalls: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.role = ChatRole.codec().decode(reader)
              break
            }
            case 2: {
              obj.content = reader.string()
              break
            }
            case 3: {
              if (opts.limits?.toolCalls != null && obj.toolCalls.length === opts.limits.toolCalls) {
                throw new MaxLengthError('Decode error - repeated field "toolCalls" had too many elements')
              }

              obj.toolCalls.push(ToolCall.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.toolCalls$
              }))
              break
            }
            case 4: {
              obj.toolCallId = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          toolCalls: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.role`,
                value: ChatRole.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.content`,
                value: reader.string()
              }
              break
            }
            case 3: {
              if (opts.limits?.toolCalls != null && obj.toolCalls === opts.limits.toolCalls) {
                throw new MaxLengthError('Streaming decode error - repeated field "toolCalls" had too many elements')
              }

              for (const evt of ToolCall.codec().stream(reader, reader.uint32(), `${prefix}.toolCalls[]`, {
                limits: opts.limits?.toolCalls$
              })) {
                yield {
                  ...evt,
                  index: obj.toolCalls
                }
              }

              obj.toolCalls++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.toolCallId`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChatMessageRoleFieldEvent {
    field: '$.role'
    value: ChatRole
  }

  export interface ChatMessageContentFieldEvent {
    field: '$.content'
    value: string
  }

  export interface ChatMessageToolCallsIdFieldEvent {
    field: '$.toolCalls[].id'
    value: string
    index: number
  }

  export interface ChatMessageToolCallsNameFieldEvent {
    field: '$.toolCalls[].name'
    value: string
    index: number
  }

  export interface ChatMessageToolCallsArgumentsFieldEvent {
    field: '$.toolCalls[].arguments'
    value: string
    index: number
  }

  export interface ChatMessageToolCallIdFieldEvent {
    field: '$.toolCallId'
    value: string
  }

  export function encode (obj: Partial<ChatMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChatMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatMessage>): ChatMessage {
    return decodeMessage(buf, ChatMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatMessage>): Generator<ChatMessageRoleFieldEvent | ChatMessageContentFieldEvent | ChatMessageToolCallsIdFieldEvent | ChatMessageToolCallsNameFieldEvent | ChatMessageToolCallsArgumentsFieldEvent | ChatMessageToolCallIdFieldEvent> {
    return streamMessage(buf, ChatMessage.codec(), opts)
  }
}

export interface ResponseFormat {
  json?: boolean
  jsonSchema?: string
}

export namespace ResponseFormat {
  let _codec: Codec<ResponseFormat>

  export const codec = (): Codec<ResponseFormat> => {
    if (_codec == null) {
      _codec = message<ResponseFormat>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.jsonSchema != null) {
          obj.json = undefined
        }

        if (obj.json != null) {
          obj.jsonSchema = undefined
        }

        if (obj.json != null) {
          w.uint32(8)
          w.bool(obj.json)
        }

        if (obj.jsonSchema != null) {
          w.uint32(18)
          w.string(obj.jsonSchema)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.json = reader.bool()
              break
            }
            case 2: {
              obj.jsonSchema = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.jsonSchema != null) {
          delete obj.json
        }

        if (obj.json != null) {
          delete obj.jsonSchema
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.json`,
                value: reader.bool()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.jsonSchema`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ResponseFormatJsonFieldEvent {
    field: '$.json'
    value: boolean
  }

  export interface ResponseFormatJsonSchemaFieldEvent {
    field: '$.jsonSchema'
    value: string
  }

  export function encode (obj: Partial<ResponseFormat>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ResponseFormat.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ResponseFormat>): ResponseFormat {
    return decodeMessage(buf, ResponseFormat.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ResponseFormat>): Generator<ResponseFormatJsonFieldEvent | ResponseFormatJsonSchemaFieldEvent> {
    return streamMessage(buf, ResponseFormat.codec(), opts)
  }
}

export interface TokenBias {
  token: number
  bias: number
}

export namespace TokenBias {
  let _codec: Codec<TokenBias>

  export const codec = (): Codec<TokenBias> => {
    if (_codec == null) {
      _codec = message<TokenBias>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.token != null && obj.token !== 0)) {
          w.uint32(8)
          w.uint32(obj.token)
        }

        if ((obj.bias != null && obj.bias !== 0)) {
          w.uint32(17)
          w.double(obj.bias)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          token: 0,
          bias: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.token = reader.uint32()
              break
            }
            case 2: {
              obj.bias = reader.double()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.token`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.bias`,
                value: reader.double()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface TokenBiasTokenFieldEvent {
    field: '$.token'
    value: number
  }

  export interface TokenBiasBiasFieldEvent {
    field: '$.bias'
    value: number
  }

  export function encode (obj: Partial<TokenBias>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TokenBias.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TokenBias>): TokenBias {
    return decodeMessage(buf, TokenBias.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TokenBias>): Generator<TokenBiasTokenFieldEvent | TokenBiasBiasFieldEvent> {
    return streamMessage(buf, TokenBias.codec(), opts)
  }
}

export interface Tool {
  name: string
  description?: string
  parameters?: string
}

export namespace Tool {
  let _codec: Codec<Tool>

  export const codec = (): Codec<Tool> => {
    if (_codec == null) {
      _codec = message<Tool>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(10)
          w.string(obj.name)
        }

        if (obj.description != null) {
          w.uint32(18)
          w.string(obj.description)
        }

        if (obj.parameters != null) {
          w.uint32(26)
          w.string(obj.parameters)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.name = reader.string()
              break
            }
            case 2: {
              obj.description = reader.string()
              break
            }
            case 3: {
              obj.parameters = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.description`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.parameters`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ToolNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface ToolDescriptionFieldEvent {
    field: '$.description'
    value: string
  }

  export interface ToolParametersFieldEvent {
    field: '$.parameters'
    value: string
  }

  export function encode (obj: Partial<Tool>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Tool.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Tool>): Tool {
    return decodeMessage(buf, Tool.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Tool>): Generator<ToolNameFieldEvent | ToolDescriptionFieldEvent | ToolParametersFieldEvent> {
    return streamMessage(buf, Tool.codec(), opts)
  }
}

export enum ToolChoiceMode {
  TOOL_CHOICE_UNSPECIFIED = 'TOOL_CHOICE_UNSPECIFIED',
  TOOL_CHOICE_AUTO = 'TOOL_CHOICE_AUTO',
  TOOL_CHOICE_NONE = 'TOOL_CHOICE_NONE',
  TOOL_CHOICE_REQUIRED = 'TOOL_CHOICE_REQUIRED',
  TOOL_CHOICE_NAMED = 'TOOL_CHOICE_NAMED'
}

enum __ToolChoiceModeValues {
  TOOL_CHOICE_UNSPECIFIED = 0,
  TOOL_CHOICE_AUTO = 1,
  TOOL_CHOICE_NONE = 2,
  TOOL_CHOICE_REQUIRED = 3,
  TOOL_CHOICE_NAMED = 4
}

export namespace ToolChoiceMode {
  export const codec = (): Codec<ToolChoiceMode> => {
    return enumeration<ToolChoiceMode>(__ToolChoiceModeValues)
  }
}

export interface ChatRequest {
  requestId: string
  messages: ChatMessage[]
  maxTokens: number
  temperature: number
  topP: number
  seed?: number
  stop: string[]
  privacy: ChatPrivacy
  receipts: SignedReceipt[]
  continuation?: ChatContinuation
  warmKey: string
  responseFormat?: ResponseFormat
  tools: Tool[]
  toolChoice: ToolChoiceMode
  toolChoiceName?: string
  logitBias: TokenBias[]
}

export namespace ChatRequest {
  let _codec: Codec<ChatRequest>

  export const codec = (): Codec<ChatRequest> => {
    if (_codec == null) {
      _codec = message<ChatRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.requestId != null && obj.requestId !== '')) {
          w.uint32(10)
          w.string(obj.requestId)
        }

        if (obj.messages != null && obj.messages.length > 0) {
          for (const value of obj.messages) {
            w.uint32(18)
            ChatMessage.codec().encode(value, w)
          }
        }

        if ((obj.maxTokens != null && obj.maxTokens !== 0)) {
          w.uint32(24)
          w.uint32(obj.maxTokens)
        }

        if ((obj.temperature != null && obj.temperature !== 0)) {
          w.uint32(33)
          w.double(obj.temperature)
        }

        if ((obj.topP != null && obj.topP !== 0)) {
          w.uint32(41)
          w.double(obj.topP)
        }

        if (obj.seed != null) {
          w.uint32(48)
          w.uint32(obj.seed)
        }

        if (obj.stop != null && obj.stop.length > 0) {
          for (const value of obj.stop) {
            w.uint32(58)
            w.string(value)
          }
        }

        if (obj.privacy != null && __ChatPrivacyValues[obj.privacy] !== 0) {
          w.uint32(64)
          ChatPrivacy.codec().encode(obj.privacy, w)
        }

        if (obj.receipts != null && obj.receipts.length > 0) {
          for (const value of obj.receipts) {
            w.uint32(74)
            SignedReceipt.codec().encode(value, w)
          }
        }

        if (obj.continuation != null) {
          w.uint32(82)
          ChatContinuation.codec().encode(obj.continuation, w)
        }

        if ((obj.warmKey != null && obj.warmKey !== '')) {
          w.uint32(90)
          w.string(obj.warmKey)
        }

        if (obj.responseFormat != null) {
          w.uint32(98)
          ResponseFormat.codec().encode(obj.responseFormat, w)
        }

        if (obj.tools != null && obj.tools.length > 0) {
          for (const value of obj.tools) {
            w.uint32(106)
            Tool.codec().encode(value, w)
          }
        }

        if (obj.toolChoice != null && __ToolChoiceModeValues[obj.toolChoice] !== 0) {
          w.uint32(112)
          ToolChoiceMode.codec().encode(obj.toolChoice, w)
        }

        if (obj.toolChoiceName != null) {
          w.uint32(122)
          w.string(obj.toolChoiceName)
        }

        if (obj.logitBias != null && obj.logitBias.length > 0) {
          for (const value of obj.logitBias) {
            w.uint32(130)
            TokenBias.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          requestId: '',
          messages: [],
          maxTokens: 0,
          temperature: 0,
          topP: 0,
          stop: [],
          privacy: ChatPrivacy.VERIFIER_ONLY,
          receipts: [],
          warmKey: '',
          tools: [],
          toolChoice: ToolChoiceMode.TOOL_CHOICE_UNSPECIFIED,
          logitBias: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.requestId = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.messages != null && obj.messages.length === opts.limits.messages) {
                throw new MaxLengthError('Decode error - repeated field "messages" had too many elements')
              }

              obj.messages.push(ChatMessage.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.messages$
              }))
              break
            }
            case 3: {
              obj.maxTokens = reader.uint32()
              break
            }
            case 4: {
              obj.temperature = reader.double()
              break
            }
            case 5: {
              obj.topP = reader.double()
              break
            }
            case 6: {
              obj.seed = reader.uint32()
              break
            }
            case 7: {
              if (opts.limits?.stop != null && obj.stop.length === opts.limits.stop) {
                throw new MaxLengthError('Decode error - repeated field "stop" had too many elements')
              }

              obj.stop.push(reader.string())
              break
            }
            case 8: {
              obj.privacy = ChatPrivacy.codec().decode(reader)
              break
            }
            case 9: {
              if (opts.limits?.receipts != null && obj.receipts.length === opts.limits.receipts) {
                throw new MaxLengthError('Decode error - repeated field "receipts" had too many elements')
              }

              obj.receipts.push(SignedReceipt.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.receipts$
              }))
              break
            }
            case 10: {
              obj.continuation = ChatContinuation.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.continuation
              })
              break
            }
            case 11: {
              obj.warmKey = reader.string()
              break
            }
            case 12: {
              obj.responseFormat = ResponseFormat.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.responseFormat
              })
              break
            }
            case 13: {
              if (opts.limits?.tools != null && obj.tools.length === opts.limits.tools) {
                throw new MaxLengthError('Decode error - repeated field "tools" had too many elements')
              }

              obj.tools.push(Tool.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.tools$
              }))
              break
            }
            case 14: {
              obj.toolChoice = ToolChoiceMode.codec().decode(reader)
              break
            }
            case 15: {
              obj.toolChoiceName = reader.string()
              break
            }
            case 16: {
              if (opts.limits?.logitBias != null && obj.logitBias.length === opts.limits.logitBias) {
                throw new MaxLengthError('Decode error - repeated field "logitBias" had too many elements')
              }

              obj.logitBias.push(TokenBias.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.logitBias$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          messages: 0,
          stop: 0,
          receipts: 0,
          tools: 0,
          logitBias: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.requestId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.messages != null && obj.messages === opts.limits.messages) {
                throw new MaxLengthError('Streaming decode error - repeated field "messages" had too many elements')
              }

              for (const evt of ChatMessage.codec().stream(reader, reader.uint32(), `${prefix}.messages[]`, {
                limits: opts.limits?.messages$
              })) {
                yield {
                  ...evt,
                  index: obj.messages
                }
              }

              obj.messages++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.maxTokens`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.temperature`,
                value: reader.double()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.topP`,
                value: reader.double()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.seed`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              if (opts.limits?.stop != null && obj.stop === opts.limits.stop) {
                throw new MaxLengthError('Streaming decode error - repeated field "stop" had too many elements')
              }

              yield {
                field: `${prefix}.stop[]`,
                index: obj.stop,
                value: reader.string()
              }

              obj.stop++

              break
            }
            case 8: {
              yield {
                field: `${prefix}.privacy`,
                value: ChatPrivacy.codec().decode(reader)
              }
              break
            }
            case 9: {
              if (opts.limits?.receipts != null && obj.receipts === opts.limits.receipts) {
                throw new MaxLengthError('Streaming decode error - repeated field "receipts" had too many elements')
              }

              for (const evt of SignedReceipt.codec().stream(reader, reader.uint32(), `${prefix}.receipts[]`, {
                limits: opts.limits?.receipts$
              })) {
                yield {
                  ...evt,
                  index: obj.receipts
                }
              }

              obj.receipts++

              break
            }
            case 10: {
              yield * ChatContinuation.codec().stream(reader, reader.uint32(), `${prefix}.continuation`, {
                limits: opts.limits?.continuation
              })

              break
            }
            case 11: {
              yield {
                field: `${prefix}.warmKey`,
                value: reader.string()
              }
              break
            }
            case 12: {
              yield * ResponseFormat.codec().stream(reader, reader.uint32(), `${prefix}.responseFormat`, {
                limits: opts.limits?.responseFormat
              })

              break
            }
            case 13: {
              if (opts.limits?.tools != null && obj.tools === opts.limits.tools) {
                throw new MaxLengthError('Streaming decode error - repeated field "tools" had too many elements')
              }

              for (const evt of Tool.codec().stream(reader, reader.uint32(), `${prefix}.tools[]`, {
                limits: opts.limits?.tools$
              })) {
                yield {
                  ...evt,
                  index: obj.tools
                }
              }

              obj.tools++

              break
            }
            case 14: {
              yield {
                field: `${prefix}.toolChoice`,
                value: ToolChoiceMode.codec().decode(reader)
              }
              break
            }
            case 15: {
              yield {
                field: `${prefix}.toolChoiceName`,
                value: reader.string()
              }
              break
            }
            case 16: {
              if (opts.limits?.logitBias != null && obj.logitBias === opts.limits.logitBias) {
                throw new MaxLengthError('Streaming decode error - repeated field "logitBias" had too many elements')
              }

              for (const evt of TokenBias.codec().stream(reader, reader.uint32(), `${prefix}.logitBias[]`, {
                limits: opts.limits?.logitBias$
              })) {
                yield {
                  ...evt,
                  index: obj.logitBias
                }
              }

              obj.logitBias++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChatRequestRequestIdFieldEvent {
    field: '$.requestId'
    value: string
  }

  export interface ChatRequestMessagesRoleFieldEvent {
    field: '$.messages[].role'
    value: ChatRole
    index: number
  }

  export interface ChatRequestMessagesContentFieldEvent {
    field: '$.messages[].content'
    value: string
    index: number
  }

  export interface ChatRequestMessagesToolCallsIdFieldEvent {
    field: '$.messages[].toolCalls[].id'
    value: string
    index: number
  }

  export interface ChatRequestMessagesToolCallsNameFieldEvent {
    field: '$.messages[].toolCalls[].name'
    value: string
    index: number
  }

  export interface ChatRequestMessagesToolCallsArgumentsFieldEvent {
    field: '$.messages[].toolCalls[].arguments'
    value: string
    index: number
  }

  export interface ChatRequestMessagesToolCallIdFieldEvent {
    field: '$.messages[].toolCallId'
    value: string
    index: number
  }

  export interface ChatRequestMaxTokensFieldEvent {
    field: '$.maxTokens'
    value: number
  }

  export interface ChatRequestTemperatureFieldEvent {
    field: '$.temperature'
    value: number
  }

  export interface ChatRequestTopPFieldEvent {
    field: '$.topP'
    value: number
  }

  export interface ChatRequestSeedFieldEvent {
    field: '$.seed'
    value: number
  }

  export interface ChatRequestStopFieldEvent {
    field: '$.stop[]'
    index: number
    value: string
  }

  export interface ChatRequestPrivacyFieldEvent {
    field: '$.privacy'
    value: ChatPrivacy
  }

  export interface ChatRequestReceiptsBodyFieldEvent {
    field: '$.receipts[].body'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChatRequestReceiptsSignatureFieldEvent {
    field: '$.receipts[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChatRequestContinuationTextFieldEvent {
    field: '$.continuation.text'
    value: string
  }

  export interface ChatRequestContinuationTokensFieldEvent {
    field: '$.continuation.tokens[]'
    index: number
    value: number
  }

  export interface ChatRequestContinuationTokenizerFingerprintFieldEvent {
    field: '$.continuation.tokenizerFingerprint'
    value: string
  }

  export interface ChatRequestWarmKeyFieldEvent {
    field: '$.warmKey'
    value: string
  }

  export interface ChatRequestResponseFormatJsonFieldEvent {
    field: '$.responseFormat.json'
    value: boolean
  }

  export interface ChatRequestResponseFormatJsonSchemaFieldEvent {
    field: '$.responseFormat.jsonSchema'
    value: string
  }

  export interface ChatRequestToolsNameFieldEvent {
    field: '$.tools[].name'
    value: string
    index: number
  }

  export interface ChatRequestToolsDescriptionFieldEvent {
    field: '$.tools[].description'
    value: string
    index: number
  }

  export interface ChatRequestToolsParametersFieldEvent {
    field: '$.tools[].parameters'
    value: string
    index: number
  }

  export interface ChatRequestToolChoiceFieldEvent {
    field: '$.toolChoice'
    value: ToolChoiceMode
  }

  export interface ChatRequestToolChoiceNameFieldEvent {
    field: '$.toolChoiceName'
    value: string
  }

  export interface ChatRequestLogitBiasTokenFieldEvent {
    field: '$.logitBias[].token'
    value: number
    index: number
  }

  export interface ChatRequestLogitBiasBiasFieldEvent {
    field: '$.logitBias[].bias'
    value: number
    index: number
  }

  export function encode (obj: Partial<ChatRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChatRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatRequest>): ChatRequest {
    return decodeMessage(buf, ChatRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatRequest>): Generator<ChatRequestRequestIdFieldEvent | ChatRequestMessagesRoleFieldEvent | ChatRequestMessagesContentFieldEvent | ChatRequestMessagesToolCallsIdFieldEvent | ChatRequestMessagesToolCallsNameFieldEvent | ChatRequestMessagesToolCallsArgumentsFieldEvent | ChatRequestMessagesToolCallIdFieldEvent | ChatRequestMaxTokensFieldEvent | ChatRequestTemperatureFieldEvent | ChatRequestTopPFieldEvent | ChatRequestSeedFieldEvent | ChatRequestStopFieldEvent | ChatRequestPrivacyFieldEvent | ChatRequestReceiptsBodyFieldEvent | ChatRequestReceiptsSignatureFieldEvent | ChatRequestContinuationTextFieldEvent | ChatRequestContinuationTokensFieldEvent | ChatRequestContinuationTokenizerFingerprintFieldEvent | ChatRequestWarmKeyFieldEvent | ChatRequestResponseFormatJsonFieldEvent | ChatRequestResponseFormatJsonSchemaFieldEvent | ChatRequestToolsNameFieldEvent | ChatRequestToolsDescriptionFieldEvent | ChatRequestToolsParametersFieldEvent | ChatRequestToolChoiceFieldEvent | ChatRequestToolChoiceNameFieldEvent | ChatRequestLogitBiasTokenFieldEvent | ChatRequestLogitBiasBiasFieldEvent> {
    return streamMessage(buf, ChatRequest.codec(), opts)
  }
}

export interface ChatContinuation {
  text: string
  tokens: number[]
  tokenizerFingerprint: string
}

export namespace ChatContinuation {
  let _codec: Codec<ChatContinuation>

  export const codec = (): Codec<ChatContinuation> => {
    if (_codec == null) {
      _codec = message<ChatContinuation>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(10)
          w.string(obj.text)
        }

        if (obj.tokens != null && obj.tokens.length > 0) {
          for (const value of obj.tokens) {
            w.uint32(16)
            w.uint32(value)
          }
        }

        if ((obj.tokenizerFingerprint != null && obj.tokenizerFingerprint !== '')) {
          w.uint32(26)
          w.string(obj.tokenizerFingerprint)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          text: '',
          tokens: [],
          tokenizerFingerprint: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.text = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.tokens != null && obj.tokens.length === opts.limits.tokens) {
                throw new MaxLengthError('Decode error - repeated field "tokens" had too many elements')
              }

              obj.tokens.push(reader.uint32())
              break
            }
            case 3: {
              obj.tokenizerFingerprint = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          tokens: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.tokens != null && obj.tokens === opts.limits.tokens) {
                throw new MaxLengthError('Streaming decode error - repeated field "tokens" had too many elements')
              }

              yield {
                field: `${prefix}.tokens[]`,
                index: obj.tokens,
                value: reader.uint32()
              }

              obj.tokens++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.tokenizerFingerprint`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChatContinuationTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface ChatContinuationTokensFieldEvent {
    field: '$.tokens[]'
    index: number
    value: number
  }

  export interface ChatContinuationTokenizerFingerprintFieldEvent {
    field: '$.tokenizerFingerprint'
    value: string
  }

  export function encode (obj: Partial<ChatContinuation>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChatContinuation.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatContinuation>): ChatContinuation {
    return decodeMessage(buf, ChatContinuation.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatContinuation>): Generator<ChatContinuationTextFieldEvent | ChatContinuationTokensFieldEvent | ChatContinuationTokenizerFingerprintFieldEvent> {
    return streamMessage(buf, ChatContinuation.codec(), opts)
  }
}

export interface ChatControl {
  cancel: boolean
}

export namespace ChatControl {
  let _codec: Codec<ChatControl>

  export const codec = (): Codec<ChatControl> => {
    if (_codec == null) {
      _codec = message<ChatControl>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.cancel != null && obj.cancel !== false)) {
          w.uint32(8)
          w.bool(obj.cancel)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          cancel: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.cancel = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.cancel`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChatControlCancelFieldEvent {
    field: '$.cancel'
    value: boolean
  }

  export function encode (obj: Partial<ChatControl>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChatControl.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatControl>): ChatControl {
    return decodeMessage(buf, ChatControl.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatControl>): Generator<ChatControlCancelFieldEvent> {
    return streamMessage(buf, ChatControl.codec(), opts)
  }
}

export enum PriorityTier {
  CONSUMER = 'CONSUMER',
  CONTRIBUTOR = 'CONTRIBUTOR'
}

enum __PriorityTierValues {
  CONSUMER = 0,
  CONTRIBUTOR = 1
}

export namespace PriorityTier {
  export const codec = (): Codec<PriorityTier> => {
    return enumeration<PriorityTier>(__PriorityTierValues)
  }
}

export interface ChatQueued {
  position: number
  etaMs: number
  tier: PriorityTier
}

export namespace ChatQueued {
  let _codec: Codec<ChatQueued>

  export const codec = (): Codec<ChatQueued> => {
    if (_codec == null) {
      _codec = message<ChatQueued>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.position != null && obj.position !== 0)) {
          w.uint32(8)
          w.uint32(obj.position)
        }

        if ((obj.etaMs != null && obj.etaMs !== 0)) {
          w.uint32(16)
          w.uint32(obj.etaMs)
        }

        if (obj.tier != null && __PriorityTierValues[obj.tier] !== 0) {
          w.uint32(24)
          PriorityTier.codec().encode(obj.tier, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          position: 0,
          etaMs: 0,
          tier: PriorityTier.CONSUMER
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.position = reader.uint32()
              break
            }
            case 2: {
              obj.etaMs = reader.uint32()
              break
            }
            case 3: {
              obj.tier = PriorityTier.codec().decode(reader)
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.position`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.etaMs`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.tier`,
                value: PriorityTier.codec().decode(reader)
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChatQueuedPositionFieldEvent {
    field: '$.position'
    value: number
  }

  export interface ChatQueuedEtaMsFieldEvent {
    field: '$.etaMs'
    value: number
  }

  export interface ChatQueuedTierFieldEvent {
    field: '$.tier'
    value: PriorityTier
  }

  export function encode (obj: Partial<ChatQueued>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChatQueued.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatQueued>): ChatQueued {
    return decodeMessage(buf, ChatQueued.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatQueued>): Generator<ChatQueuedPositionFieldEvent | ChatQueuedEtaMsFieldEvent | ChatQueuedTierFieldEvent> {
    return streamMessage(buf, ChatQueued.codec(), opts)
  }
}

export interface ChatStarted {
  model: string
  tokenizerFingerprint: string
  contextLength: number
  demo: boolean
  agent: string
}

export namespace ChatStarted {
  let _codec: Codec<ChatStarted>

  export const codec = (): Codec<ChatStarted> => {
    if (_codec == null) {
      _codec = message<ChatStarted>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.model != null && obj.model !== '')) {
          w.uint32(10)
          w.string(obj.model)
        }

        if ((obj.tokenizerFingerprint != null && obj.tokenizerFingerprint !== '')) {
          w.uint32(18)
          w.string(obj.tokenizerFingerprint)
        }

        if ((obj.contextLength != null && obj.contextLength !== 0)) {
          w.uint32(24)
          w.uint32(obj.contextLength)
        }

        if ((obj.demo != null && obj.demo !== false)) {
          w.uint32(32)
          w.bool(obj.demo)
        }

        if ((obj.agent != null && obj.agent !== '')) {
          w.uint32(42)
          w.string(obj.agent)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          model: '',
          tokenizerFingerprint: '',
          contextLength: 0,
          demo: false,
          agent: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.model = reader.string()
              break
            }
            case 2: {
              obj.tokenizerFingerprint = reader.string()
              break
            }
            case 3: {
              obj.contextLength = reader.uint32()
              break
            }
            case 4: {
              obj.demo = reader.bool()
              break
            }
            case 5: {
              obj.agent = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.model`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.tokenizerFingerprint`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.contextLength`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.demo`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.agent`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChatStartedModelFieldEvent {
    field: '$.model'
    value: string
  }

  export interface ChatStartedTokenizerFingerprintFieldEvent {
    field: '$.tokenizerFingerprint'
    value: string
  }

  export interface ChatStartedContextLengthFieldEvent {
    field: '$.contextLength'
    value: number
  }

  export interface ChatStartedDemoFieldEvent {
    field: '$.demo'
    value: boolean
  }

  export interface ChatStartedAgentFieldEvent {
    field: '$.agent'
    value: string
  }

  export function encode (obj: Partial<ChatStarted>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChatStarted.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatStarted>): ChatStarted {
    return decodeMessage(buf, ChatStarted.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatStarted>): Generator<ChatStartedModelFieldEvent | ChatStartedTokenizerFingerprintFieldEvent | ChatStartedContextLengthFieldEvent | ChatStartedDemoFieldEvent | ChatStartedAgentFieldEvent> {
    return streamMessage(buf, ChatStarted.codec(), opts)
  }
}

export interface ChatDelta {
  text: string
  tokens: number[]
}

export namespace ChatDelta {
  let _codec: Codec<ChatDelta>

  export const codec = (): Codec<ChatDelta> => {
    if (_codec == null) {
      _codec = message<ChatDelta>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(10)
          w.string(obj.text)
        }

        if (obj.tokens != null && obj.tokens.length > 0) {
          for (const value of obj.tokens) {
            w.uint32(16)
            w.uint32(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          text: '',
          tokens: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.text = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.tokens != null && obj.tokens.length === opts.limits.tokens) {
                throw new MaxLengthError('Decode error - repeated field "tokens" had too many elements')
              }

              obj.tokens.push(reader.uint32())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          tokens: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.tokens != null && obj.tokens === opts.limits.tokens) {
                throw new MaxLengthError('Streaming decode error - repeated field "tokens" had too many elements')
              }

              yield {
                field: `${prefix}.tokens[]`,
                index: obj.tokens,
                value: reader.uint32()
              }

              obj.tokens++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChatDeltaTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface ChatDeltaTokensFieldEvent {
    field: '$.tokens[]'
    index: number
    value: number
  }

  export function encode (obj: Partial<ChatDelta>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChatDelta.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatDelta>): ChatDelta {
    return decodeMessage(buf, ChatDelta.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatDelta>): Generator<ChatDeltaTextFieldEvent | ChatDeltaTokensFieldEvent> {
    return streamMessage(buf, ChatDelta.codec(), opts)
  }
}

export enum FinishReason {
  FINISH_REASON_UNSPECIFIED = 'FINISH_REASON_UNSPECIFIED',
  FINISH_STOP = 'FINISH_STOP',
  FINISH_LENGTH = 'FINISH_LENGTH',
  FINISH_CANCELLED = 'FINISH_CANCELLED'
}

enum __FinishReasonValues {
  FINISH_REASON_UNSPECIFIED = 0,
  FINISH_STOP = 1,
  FINISH_LENGTH = 2,
  FINISH_CANCELLED = 3
}

export namespace FinishReason {
  export const codec = (): Codec<FinishReason> => {
    return enumeration<FinishReason>(__FinishReasonValues)
  }
}

export interface ChatDone {
  finishReason: FinishReason
  promptTokens: number
  completionTokens: number
  queuedMs: number
  firstTokenMs: number
  totalMs: number
  receipt?: SignedReceipt
}

export namespace ChatDone {
  let _codec: Codec<ChatDone>

  export const codec = (): Codec<ChatDone> => {
    if (_codec == null) {
      _codec = message<ChatDone>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.finishReason != null && __FinishReasonValues[obj.finishReason] !== 0) {
          w.uint32(8)
          FinishReason.codec().encode(obj.finishReason, w)
        }

        if ((obj.promptTokens != null && obj.promptTokens !== 0)) {
          w.uint32(16)
          w.uint32(obj.promptTokens)
        }

        if ((obj.completionTokens != null && obj.completionTokens !== 0)) {
          w.uint32(24)
          w.uint32(obj.completionTokens)
        }

        if ((obj.queuedMs != null && obj.queuedMs !== 0)) {
          w.uint32(32)
          w.uint32(obj.queuedMs)
        }

        if ((obj.firstTokenMs != null && obj.firstTokenMs !== 0)) {
          w.uint32(40)
          w.uint32(obj.firstTokenMs)
        }

        if ((obj.totalMs != null && obj.totalMs !== 0)) {
          w.uint32(48)
          w.uint32(obj.totalMs)
        }

        if (obj.receipt != null) {
          w.uint32(58)
          SignedReceipt.codec().encode(obj.receipt, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          finishReason: FinishReason.FINISH_REASON_UNSPECIFIED,
          promptTokens: 0,
          completionTokens: 0,
          queuedMs: 0,
          firstTokenMs: 0,
          totalMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.finishReason = FinishReason.codec().decode(reader)
              break
            }
            case 2: {
              obj.promptTokens = reader.uint32()
              break
            }
            case 3: {
              obj.completionTokens = reader.uint32()
              break
            }
            case 4: {
              obj.queuedMs = reader.uint32()
              break
            }
            case 5: {
              obj.firstTokenMs = reader.uint32()
              break
            }
            case 6: {
              obj.totalMs = reader.uint32()
              break
            }
            case 7: {
              obj.receipt = SignedReceipt.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.receipt
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.finishReason`,
                value: FinishReason.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.promptTokens`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.completionTokens`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.queuedMs`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.firstTokenMs`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.totalMs`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield * SignedReceipt.codec().stream(reader, reader.uint32(), `${prefix}.receipt`, {
                limits: opts.limits?.receipt
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChatDoneFinishReasonFieldEvent {
    field: '$.finishReason'
    value: FinishReason
  }

  export interface ChatDonePromptTokensFieldEvent {
    field: '$.promptTokens'
    value: number
  }

  export interface ChatDoneCompletionTokensFieldEvent {
    field: '$.completionTokens'
    value: number
  }

  export interface ChatDoneQueuedMsFieldEvent {
    field: '$.queuedMs'
    value: number
  }

  export interface ChatDoneFirstTokenMsFieldEvent {
    field: '$.firstTokenMs'
    value: number
  }

  export interface ChatDoneTotalMsFieldEvent {
    field: '$.totalMs'
    value: number
  }

  export interface ChatDoneReceiptBodyFieldEvent {
    field: '$.receipt.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatDoneReceiptSignatureFieldEvent {
    field: '$.receipt.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ChatDone>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChatDone.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatDone>): ChatDone {
    return decodeMessage(buf, ChatDone.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatDone>): Generator<ChatDoneFinishReasonFieldEvent | ChatDonePromptTokensFieldEvent | ChatDoneCompletionTokensFieldEvent | ChatDoneQueuedMsFieldEvent | ChatDoneFirstTokenMsFieldEvent | ChatDoneTotalMsFieldEvent | ChatDoneReceiptBodyFieldEvent | ChatDoneReceiptSignatureFieldEvent> {
    return streamMessage(buf, ChatDone.codec(), opts)
  }
}

export enum ChatErrorCode {
  CHAT_ERROR_UNSPECIFIED = 'CHAT_ERROR_UNSPECIFIED',
  MALFORMED_MESSAGE = 'MALFORMED_MESSAGE',
  TOO_LARGE = 'TOO_LARGE',
  BUSY = 'BUSY',
  LIMIT = 'LIMIT',
  INVALID_REQUEST = 'INVALID_REQUEST',
  INTERNAL = 'INTERNAL',
  CANCELLED = 'CANCELLED',
  TIMEOUT = 'TIMEOUT'
}

enum __ChatErrorCodeValues {
  CHAT_ERROR_UNSPECIFIED = 0,
  MALFORMED_MESSAGE = 1,
  TOO_LARGE = 2,
  BUSY = 3,
  LIMIT = 4,
  INVALID_REQUEST = 5,
  INTERNAL = 6,
  CANCELLED = 7,
  TIMEOUT = 8
}

export namespace ChatErrorCode {
  export const codec = (): Codec<ChatErrorCode> => {
    return enumeration<ChatErrorCode>(__ChatErrorCodeValues)
  }
}

export interface ChatError {
  code: ChatErrorCode
  message: string
  retryAfterSeconds: number
}

export namespace ChatError {
  let _codec: Codec<ChatError>

  export const codec = (): Codec<ChatError> => {
    if (_codec == null) {
      _codec = message<ChatError>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.code != null && __ChatErrorCodeValues[obj.code] !== 0) {
          w.uint32(8)
          ChatErrorCode.codec().encode(obj.code, w)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(18)
          w.string(obj.message)
        }

        if ((obj.retryAfterSeconds != null && obj.retryAfterSeconds !== 0)) {
          w.uint32(24)
          w.uint32(obj.retryAfterSeconds)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: ChatErrorCode.CHAT_ERROR_UNSPECIFIED,
          message: '',
          retryAfterSeconds: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.code = ChatErrorCode.codec().decode(reader)
              break
            }
            case 2: {
              obj.message = reader.string()
              break
            }
            case 3: {
              obj.retryAfterSeconds = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.code`,
                value: ChatErrorCode.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.message`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.retryAfterSeconds`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChatErrorCodeFieldEvent {
    field: '$.code'
    value: ChatErrorCode
  }

  export interface ChatErrorMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export interface ChatErrorRetryAfterSecondsFieldEvent {
    field: '$.retryAfterSeconds'
    value: number
  }

  export function encode (obj: Partial<ChatError>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChatError.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatError>): ChatError {
    return decodeMessage(buf, ChatError.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatError>): Generator<ChatErrorCodeFieldEvent | ChatErrorMessageFieldEvent | ChatErrorRetryAfterSecondsFieldEvent> {
    return streamMessage(buf, ChatError.codec(), opts)
  }
}

export interface ChatEvent {
  queued?: ChatQueued
  started?: ChatStarted
  delta?: ChatDelta
  done?: ChatDone
  error?: ChatError
}

export namespace ChatEvent {
  let _codec: Codec<ChatEvent>

  export const codec = (): Codec<ChatEvent> => {
    if (_codec == null) {
      _codec = message<ChatEvent>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.error != null) {
          obj.done = undefined
          obj.delta = undefined
          obj.started = undefined
          obj.queued = undefined
        }

        if (obj.done != null) {
          obj.error = undefined
          obj.delta = undefined
          obj.started = undefined
          obj.queued = undefined
        }

        if (obj.delta != null) {
          obj.error = undefined
          obj.done = undefined
          obj.started = undefined
          obj.queued = undefined
        }

        if (obj.started != null) {
          obj.error = undefined
          obj.done = undefined
          obj.delta = undefined
          obj.queued = undefined
        }

        if (obj.queued != null) {
          obj.error = undefined
          obj.done = undefined
          obj.delta = undefined
          obj.started = undefined
        }

        if (obj.queued != null) {
          w.uint32(10)
          ChatQueued.codec().encode(obj.queued, w)
        }

        if (obj.started != null) {
          w.uint32(18)
          ChatStarted.codec().encode(obj.started, w)
        }

        if (obj.delta != null) {
          w.uint32(26)
          ChatDelta.codec().encode(obj.delta, w)
        }

        if (obj.done != null) {
          w.uint32(34)
          ChatDone.codec().encode(obj.done, w)
        }

        if (obj.error != null) {
          w.uint32(42)
          ChatError.codec().encode(obj.error, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.queued = ChatQueued.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.queued
              })
              break
            }
            case 2: {
              obj.started = ChatStarted.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.started
              })
              break
            }
            case 3: {
              obj.delta = ChatDelta.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.delta
              })
              break
            }
            case 4: {
              obj.done = ChatDone.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.done
              })
              break
            }
            case 5: {
              obj.error = ChatError.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.error != null) {
          delete obj.done
          delete obj.delta
          delete obj.started
          delete obj.queued
        }

        if (obj.done != null) {
          delete obj.error
          delete obj.delta
          delete obj.started
          delete obj.queued
        }

        if (obj.delta != null) {
          delete obj.error
          delete obj.done
          delete obj.started
          delete obj.queued
        }

        if (obj.started != null) {
          delete obj.error
          delete obj.done
          delete obj.delta
          delete obj.queued
        }

        if (obj.queued != null) {
          delete obj.error
          delete obj.done
          delete obj.delta
          delete obj.started
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * ChatQueued.codec().stream(reader, reader.uint32(), `${prefix}.queued`, {
                limits: opts.limits?.queued
              })

              break
            }
            case 2: {
              yield * ChatStarted.codec().stream(reader, reader.uint32(), `${prefix}.started`, {
                limits: opts.limits?.started
              })

              break
            }
            case 3: {
              yield * ChatDelta.codec().stream(reader, reader.uint32(), `${prefix}.delta`, {
                limits: opts.limits?.delta
              })

              break
            }
            case 4: {
              yield * ChatDone.codec().stream(reader, reader.uint32(), `${prefix}.done`, {
                limits: opts.limits?.done
              })

              break
            }
            case 5: {
              yield * ChatError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChatEventQueuedPositionFieldEvent {
    field: '$.queued.position'
    value: number
  }

  export interface ChatEventQueuedEtaMsFieldEvent {
    field: '$.queued.etaMs'
    value: number
  }

  export interface ChatEventQueuedTierFieldEvent {
    field: '$.queued.tier'
    value: PriorityTier
  }

  export interface ChatEventStartedModelFieldEvent {
    field: '$.started.model'
    value: string
  }

  export interface ChatEventStartedTokenizerFingerprintFieldEvent {
    field: '$.started.tokenizerFingerprint'
    value: string
  }

  export interface ChatEventStartedContextLengthFieldEvent {
    field: '$.started.contextLength'
    value: number
  }

  export interface ChatEventStartedDemoFieldEvent {
    field: '$.started.demo'
    value: boolean
  }

  export interface ChatEventStartedAgentFieldEvent {
    field: '$.started.agent'
    value: string
  }

  export interface ChatEventDeltaTextFieldEvent {
    field: '$.delta.text'
    value: string
  }

  export interface ChatEventDeltaTokensFieldEvent {
    field: '$.delta.tokens[]'
    index: number
    value: number
  }

  export interface ChatEventDoneFinishReasonFieldEvent {
    field: '$.done.finishReason'
    value: FinishReason
  }

  export interface ChatEventDonePromptTokensFieldEvent {
    field: '$.done.promptTokens'
    value: number
  }

  export interface ChatEventDoneCompletionTokensFieldEvent {
    field: '$.done.completionTokens'
    value: number
  }

  export interface ChatEventDoneQueuedMsFieldEvent {
    field: '$.done.queuedMs'
    value: number
  }

  export interface ChatEventDoneFirstTokenMsFieldEvent {
    field: '$.done.firstTokenMs'
    value: number
  }

  export interface ChatEventDoneTotalMsFieldEvent {
    field: '$.done.totalMs'
    value: number
  }

  export interface ChatEventDoneReceiptBodyFieldEvent {
    field: '$.done.receipt.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatEventDoneReceiptSignatureFieldEvent {
    field: '$.done.receipt.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatEventErrorCodeFieldEvent {
    field: '$.error.code'
    value: ChatErrorCode
  }

  export interface ChatEventErrorMessageFieldEvent {
    field: '$.error.message'
    value: string
  }

  export interface ChatEventErrorRetryAfterSecondsFieldEvent {
    field: '$.error.retryAfterSeconds'
    value: number
  }

  export function encode (obj: Partial<ChatEvent>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChatEvent.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatEvent>): ChatEvent {
    return decodeMessage(buf, ChatEvent.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatEvent>): Generator<ChatEventQueuedPositionFieldEvent | ChatEventQueuedEtaMsFieldEvent | ChatEventQueuedTierFieldEvent | ChatEventStartedModelFieldEvent | ChatEventStartedTokenizerFingerprintFieldEvent | ChatEventStartedContextLengthFieldEvent | ChatEventStartedDemoFieldEvent | ChatEventStartedAgentFieldEvent | ChatEventDeltaTextFieldEvent | ChatEventDeltaTokensFieldEvent | ChatEventDoneFinishReasonFieldEvent | ChatEventDonePromptTokensFieldEvent | ChatEventDoneCompletionTokensFieldEvent | ChatEventDoneQueuedMsFieldEvent | ChatEventDoneFirstTokenMsFieldEvent | ChatEventDoneTotalMsFieldEvent | ChatEventDoneReceiptBodyFieldEvent | ChatEventDoneReceiptSignatureFieldEvent | ChatEventErrorCodeFieldEvent | ChatEventErrorMessageFieldEvent | ChatEventErrorRetryAfterSecondsFieldEvent> {
    return streamMessage(buf, ChatEvent.codec(), opts)
  }
}

export interface DraftHello {
  model: string
  tokenizerFingerprint: string
  maxJobs: number
  newestReceipt?: number
  missingReceipts: number[]
}

export namespace DraftHello {
  let _codec: Codec<DraftHello>

  export const codec = (): Codec<DraftHello> => {
    if (_codec == null) {
      _codec = message<DraftHello>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.model != null && obj.model !== '')) {
          w.uint32(10)
          w.string(obj.model)
        }

        if ((obj.tokenizerFingerprint != null && obj.tokenizerFingerprint !== '')) {
          w.uint32(18)
          w.string(obj.tokenizerFingerprint)
        }

        if ((obj.maxJobs != null && obj.maxJobs !== 0)) {
          w.uint32(24)
          w.uint32(obj.maxJobs)
        }

        if (obj.newestReceipt != null) {
          w.uint32(32)
          w.uint32(obj.newestReceipt)
        }

        if (obj.missingReceipts != null && obj.missingReceipts.length > 0) {
          for (const value of obj.missingReceipts) {
            w.uint32(40)
            w.uint32(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          model: '',
          tokenizerFingerprint: '',
          maxJobs: 0,
          missingReceipts: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.model = reader.string()
              break
            }
            case 2: {
              obj.tokenizerFingerprint = reader.string()
              break
            }
            case 3: {
              obj.maxJobs = reader.uint32()
              break
            }
            case 4: {
              obj.newestReceipt = reader.uint32()
              break
            }
            case 5: {
              if (opts.limits?.missingReceipts != null && obj.missingReceipts.length === opts.limits.missingReceipts) {
                throw new MaxLengthError('Decode error - repeated field "missingReceipts" had too many elements')
              }

              obj.missingReceipts.push(reader.uint32())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          missingReceipts: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.model`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.tokenizerFingerprint`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.maxJobs`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.newestReceipt`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              if (opts.limits?.missingReceipts != null && obj.missingReceipts === opts.limits.missingReceipts) {
                throw new MaxLengthError('Streaming decode error - repeated field "missingReceipts" had too many elements')
              }

              yield {
                field: `${prefix}.missingReceipts[]`,
                index: obj.missingReceipts,
                value: reader.uint32()
              }

              obj.missingReceipts++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DraftHelloModelFieldEvent {
    field: '$.model'
    value: string
  }

  export interface DraftHelloTokenizerFingerprintFieldEvent {
    field: '$.tokenizerFingerprint'
    value: string
  }

  export interface DraftHelloMaxJobsFieldEvent {
    field: '$.maxJobs'
    value: number
  }

  export interface DraftHelloNewestReceiptFieldEvent {
    field: '$.newestReceipt'
    value: number
  }

  export interface DraftHelloMissingReceiptsFieldEvent {
    field: '$.missingReceipts[]'
    index: number
    value: number
  }

  export function encode (obj: Partial<DraftHello>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DraftHello.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftHello>): DraftHello {
    return decodeMessage(buf, DraftHello.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftHello>): Generator<DraftHelloModelFieldEvent | DraftHelloTokenizerFingerprintFieldEvent | DraftHelloMaxJobsFieldEvent | DraftHelloNewestReceiptFieldEvent | DraftHelloMissingReceiptsFieldEvent> {
    return streamMessage(buf, DraftHello.codec(), opts)
  }
}

export interface DraftWelcome {
  maxBatchTokens: number
}

export namespace DraftWelcome {
  let _codec: Codec<DraftWelcome>

  export const codec = (): Codec<DraftWelcome> => {
    if (_codec == null) {
      _codec = message<DraftWelcome>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.maxBatchTokens != null && obj.maxBatchTokens !== 0)) {
          w.uint32(8)
          w.uint32(obj.maxBatchTokens)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          maxBatchTokens: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.maxBatchTokens = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.maxBatchTokens`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DraftWelcomeMaxBatchTokensFieldEvent {
    field: '$.maxBatchTokens'
    value: number
  }

  export function encode (obj: Partial<DraftWelcome>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DraftWelcome.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftWelcome>): DraftWelcome {
    return decodeMessage(buf, DraftWelcome.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftWelcome>): Generator<DraftWelcomeMaxBatchTokensFieldEvent> {
    return streamMessage(buf, DraftWelcome.codec(), opts)
  }
}

export enum DraftRefusalCode {
  DRAFT_REFUSAL_UNSPECIFIED = 'DRAFT_REFUSAL_UNSPECIFIED',
  TOKENIZER_MISMATCH = 'TOKENIZER_MISMATCH',
  DRAFT_MALFORMED = 'DRAFT_MALFORMED',
  DRAFT_TOO_LARGE = 'DRAFT_TOO_LARGE',
  DRAFT_TIMEOUT = 'DRAFT_TIMEOUT',
  DRAFT_SHUTTING_DOWN = 'DRAFT_SHUTTING_DOWN',
  DRAFT_OVERLOADED = 'DRAFT_OVERLOADED'
}

enum __DraftRefusalCodeValues {
  DRAFT_REFUSAL_UNSPECIFIED = 0,
  TOKENIZER_MISMATCH = 1,
  DRAFT_MALFORMED = 2,
  DRAFT_TOO_LARGE = 3,
  DRAFT_TIMEOUT = 4,
  DRAFT_SHUTTING_DOWN = 5,
  DRAFT_OVERLOADED = 6
}

export namespace DraftRefusalCode {
  export const codec = (): Codec<DraftRefusalCode> => {
    return enumeration<DraftRefusalCode>(__DraftRefusalCodeValues)
  }
}

export interface DraftRefusal {
  code: DraftRefusalCode
  message: string
}

export namespace DraftRefusal {
  let _codec: Codec<DraftRefusal>

  export const codec = (): Codec<DraftRefusal> => {
    if (_codec == null) {
      _codec = message<DraftRefusal>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.code != null && __DraftRefusalCodeValues[obj.code] !== 0) {
          w.uint32(8)
          DraftRefusalCode.codec().encode(obj.code, w)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(18)
          w.string(obj.message)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: DraftRefusalCode.DRAFT_REFUSAL_UNSPECIFIED,
          message: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.code = DraftRefusalCode.codec().decode(reader)
              break
            }
            case 2: {
              obj.message = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.code`,
                value: DraftRefusalCode.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.message`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DraftRefusalCodeFieldEvent {
    field: '$.code'
    value: DraftRefusalCode
  }

  export interface DraftRefusalMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export function encode (obj: Partial<DraftRefusal>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DraftRefusal.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftRefusal>): DraftRefusal {
    return decodeMessage(buf, DraftRefusal.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftRefusal>): Generator<DraftRefusalCodeFieldEvent | DraftRefusalMessageFieldEvent> {
    return streamMessage(buf, DraftRefusal.codec(), opts)
  }
}

export interface DraftJobOpen {
  jobId: number
  context: number[]
  lookahead: number
}

export namespace DraftJobOpen {
  let _codec: Codec<DraftJobOpen>

  export const codec = (): Codec<DraftJobOpen> => {
    if (_codec == null) {
      _codec = message<DraftJobOpen>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.jobId != null && obj.jobId !== 0)) {
          w.uint32(8)
          w.uint32(obj.jobId)
        }

        if (obj.context != null && obj.context.length > 0) {
          for (const value of obj.context) {
            w.uint32(16)
            w.uint32(value)
          }
        }

        if ((obj.lookahead != null && obj.lookahead !== 0)) {
          w.uint32(24)
          w.uint32(obj.lookahead)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          jobId: 0,
          context: [],
          lookahead: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.jobId = reader.uint32()
              break
            }
            case 2: {
              if (opts.limits?.context != null && obj.context.length === opts.limits.context) {
                throw new MaxLengthError('Decode error - repeated field "context" had too many elements')
              }

              obj.context.push(reader.uint32())
              break
            }
            case 3: {
              obj.lookahead = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          context: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.jobId`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              if (opts.limits?.context != null && obj.context === opts.limits.context) {
                throw new MaxLengthError('Streaming decode error - repeated field "context" had too many elements')
              }

              yield {
                field: `${prefix}.context[]`,
                index: obj.context,
                value: reader.uint32()
              }

              obj.context++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.lookahead`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DraftJobOpenJobIdFieldEvent {
    field: '$.jobId'
    value: number
  }

  export interface DraftJobOpenContextFieldEvent {
    field: '$.context[]'
    index: number
    value: number
  }

  export interface DraftJobOpenLookaheadFieldEvent {
    field: '$.lookahead'
    value: number
  }

  export function encode (obj: Partial<DraftJobOpen>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DraftJobOpen.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftJobOpen>): DraftJobOpen {
    return decodeMessage(buf, DraftJobOpen.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftJobOpen>): Generator<DraftJobOpenJobIdFieldEvent | DraftJobOpenContextFieldEvent | DraftJobOpenLookaheadFieldEvent> {
    return streamMessage(buf, DraftJobOpen.codec(), opts)
  }
}

export interface DraftVerdict {
  jobId: number
  position: number
  accepted: number
  tokens: number[]
  lookahead: number
}

export namespace DraftVerdict {
  let _codec: Codec<DraftVerdict>

  export const codec = (): Codec<DraftVerdict> => {
    if (_codec == null) {
      _codec = message<DraftVerdict>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.jobId != null && obj.jobId !== 0)) {
          w.uint32(8)
          w.uint32(obj.jobId)
        }

        if ((obj.position != null && obj.position !== 0)) {
          w.uint32(16)
          w.uint32(obj.position)
        }

        if ((obj.accepted != null && obj.accepted !== 0)) {
          w.uint32(24)
          w.uint32(obj.accepted)
        }

        if (obj.tokens != null && obj.tokens.length > 0) {
          for (const value of obj.tokens) {
            w.uint32(32)
            w.uint32(value)
          }
        }

        if ((obj.lookahead != null && obj.lookahead !== 0)) {
          w.uint32(40)
          w.uint32(obj.lookahead)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          jobId: 0,
          position: 0,
          accepted: 0,
          tokens: [],
          lookahead: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.jobId = reader.uint32()
              break
            }
            case 2: {
              obj.position = reader.uint32()
              break
            }
            case 3: {
              obj.accepted = reader.uint32()
              break
            }
            case 4: {
              if (opts.limits?.tokens != null && obj.tokens.length === opts.limits.tokens) {
                throw new MaxLengthError('Decode error - repeated field "tokens" had too many elements')
              }

              obj.tokens.push(reader.uint32())
              break
            }
            case 5: {
              obj.lookahead = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          tokens: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.jobId`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.position`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.accepted`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              if (opts.limits?.tokens != null && obj.tokens === opts.limits.tokens) {
                throw new MaxLengthError('Streaming decode error - repeated field "tokens" had too many elements')
              }

              yield {
                field: `${prefix}.tokens[]`,
                index: obj.tokens,
                value: reader.uint32()
              }

              obj.tokens++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.lookahead`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DraftVerdictJobIdFieldEvent {
    field: '$.jobId'
    value: number
  }

  export interface DraftVerdictPositionFieldEvent {
    field: '$.position'
    value: number
  }

  export interface DraftVerdictAcceptedFieldEvent {
    field: '$.accepted'
    value: number
  }

  export interface DraftVerdictTokensFieldEvent {
    field: '$.tokens[]'
    index: number
    value: number
  }

  export interface DraftVerdictLookaheadFieldEvent {
    field: '$.lookahead'
    value: number
  }

  export function encode (obj: Partial<DraftVerdict>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DraftVerdict.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftVerdict>): DraftVerdict {
    return decodeMessage(buf, DraftVerdict.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftVerdict>): Generator<DraftVerdictJobIdFieldEvent | DraftVerdictPositionFieldEvent | DraftVerdictAcceptedFieldEvent | DraftVerdictTokensFieldEvent | DraftVerdictLookaheadFieldEvent> {
    return streamMessage(buf, DraftVerdict.codec(), opts)
  }
}

export enum DraftJobCloseReason {
  DRAFT_JOB_CLOSE_UNSPECIFIED = 'DRAFT_JOB_CLOSE_UNSPECIFIED',
  ANSWER_DONE = 'ANSWER_DONE',
  NOT_PAYING = 'NOT_PAYING',
  DRAFTER_STALLED = 'DRAFTER_STALLED',
  DRAFTER_MISBEHAVED = 'DRAFTER_MISBEHAVED',
  DRAFTER_FAILED = 'DRAFTER_FAILED'
}

enum __DraftJobCloseReasonValues {
  DRAFT_JOB_CLOSE_UNSPECIFIED = 0,
  ANSWER_DONE = 1,
  NOT_PAYING = 2,
  DRAFTER_STALLED = 3,
  DRAFTER_MISBEHAVED = 4,
  DRAFTER_FAILED = 5
}

export namespace DraftJobCloseReason {
  export const codec = (): Codec<DraftJobCloseReason> => {
    return enumeration<DraftJobCloseReason>(__DraftJobCloseReasonValues)
  }
}

export interface DraftJobClose {
  jobId: number
  reason: DraftJobCloseReason
}

export namespace DraftJobClose {
  let _codec: Codec<DraftJobClose>

  export const codec = (): Codec<DraftJobClose> => {
    if (_codec == null) {
      _codec = message<DraftJobClose>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.jobId != null && obj.jobId !== 0)) {
          w.uint32(8)
          w.uint32(obj.jobId)
        }

        if (obj.reason != null && __DraftJobCloseReasonValues[obj.reason] !== 0) {
          w.uint32(16)
          DraftJobCloseReason.codec().encode(obj.reason, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          jobId: 0,
          reason: DraftJobCloseReason.DRAFT_JOB_CLOSE_UNSPECIFIED
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.jobId = reader.uint32()
              break
            }
            case 2: {
              obj.reason = DraftJobCloseReason.codec().decode(reader)
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.jobId`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.reason`,
                value: DraftJobCloseReason.codec().decode(reader)
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DraftJobCloseJobIdFieldEvent {
    field: '$.jobId'
    value: number
  }

  export interface DraftJobCloseReasonFieldEvent {
    field: '$.reason'
    value: DraftJobCloseReason
  }

  export function encode (obj: Partial<DraftJobClose>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DraftJobClose.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftJobClose>): DraftJobClose {
    return decodeMessage(buf, DraftJobClose.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftJobClose>): Generator<DraftJobCloseJobIdFieldEvent | DraftJobCloseReasonFieldEvent> {
    return streamMessage(buf, DraftJobClose.codec(), opts)
  }
}

export interface DraftToDrafter {
  welcome?: DraftWelcome
  refusal?: DraftRefusal
  open?: DraftJobOpen
  verdict?: DraftVerdict
  close?: DraftJobClose
  receipt?: SignedReceipt
}

export namespace DraftToDrafter {
  let _codec: Codec<DraftToDrafter>

  export const codec = (): Codec<DraftToDrafter> => {
    if (_codec == null) {
      _codec = message<DraftToDrafter>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.receipt != null) {
          obj.close = undefined
          obj.verdict = undefined
          obj.open = undefined
          obj.refusal = undefined
          obj.welcome = undefined
        }

        if (obj.close != null) {
          obj.receipt = undefined
          obj.verdict = undefined
          obj.open = undefined
          obj.refusal = undefined
          obj.welcome = undefined
        }

        if (obj.verdict != null) {
          obj.receipt = undefined
          obj.close = undefined
          obj.open = undefined
          obj.refusal = undefined
          obj.welcome = undefined
        }

        if (obj.open != null) {
          obj.receipt = undefined
          obj.close = undefined
          obj.verdict = undefined
          obj.refusal = undefined
          obj.welcome = undefined
        }

        if (obj.refusal != null) {
          obj.receipt = undefined
          obj.close = undefined
          obj.verdict = undefined
          obj.open = undefined
          obj.welcome = undefined
        }

        if (obj.welcome != null) {
          obj.receipt = undefined
          obj.close = undefined
          obj.verdict = undefined
          obj.open = undefined
          obj.refusal = undefined
        }

        if (obj.welcome != null) {
          w.uint32(10)
          DraftWelcome.codec().encode(obj.welcome, w)
        }

        if (obj.refusal != null) {
          w.uint32(18)
          DraftRefusal.codec().encode(obj.refusal, w)
        }

        if (obj.open != null) {
          w.uint32(26)
          DraftJobOpen.codec().encode(obj.open, w)
        }

        if (obj.verdict != null) {
          w.uint32(34)
          DraftVerdict.codec().encode(obj.verdict, w)
        }

        if (obj.close != null) {
          w.uint32(42)
          DraftJobClose.codec().encode(obj.close, w)
        }

        if (obj.receipt != null) {
          w.uint32(50)
          SignedReceipt.codec().encode(obj.receipt, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.welcome = DraftWelcome.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.welcome
              })
              break
            }
            case 2: {
              obj.refusal = DraftRefusal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.refusal
              })
              break
            }
            case 3: {
              obj.open = DraftJobOpen.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.open
              })
              break
            }
            case 4: {
              obj.verdict = DraftVerdict.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.verdict
              })
              break
            }
            case 5: {
              obj.close = DraftJobClose.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.close
              })
              break
            }
            case 6: {
              obj.receipt = SignedReceipt.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.receipt
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.receipt != null) {
          delete obj.close
          delete obj.verdict
          delete obj.open
          delete obj.refusal
          delete obj.welcome
        }

        if (obj.close != null) {
          delete obj.receipt
          delete obj.verdict
          delete obj.open
          delete obj.refusal
          delete obj.welcome
        }

        if (obj.verdict != null) {
          delete obj.receipt
          delete obj.close
          delete obj.open
          delete obj.refusal
          delete obj.welcome
        }

        if (obj.open != null) {
          delete obj.receipt
          delete obj.close
          delete obj.verdict
          delete obj.refusal
          delete obj.welcome
        }

        if (obj.refusal != null) {
          delete obj.receipt
          delete obj.close
          delete obj.verdict
          delete obj.open
          delete obj.welcome
        }

        if (obj.welcome != null) {
          delete obj.receipt
          delete obj.close
          delete obj.verdict
          delete obj.open
          delete obj.refusal
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * DraftWelcome.codec().stream(reader, reader.uint32(), `${prefix}.welcome`, {
                limits: opts.limits?.welcome
              })

              break
            }
            case 2: {
              yield * DraftRefusal.codec().stream(reader, reader.uint32(), `${prefix}.refusal`, {
                limits: opts.limits?.refusal
              })

              break
            }
            case 3: {
              yield * DraftJobOpen.codec().stream(reader, reader.uint32(), `${prefix}.open`, {
                limits: opts.limits?.open
              })

              break
            }
            case 4: {
              yield * DraftVerdict.codec().stream(reader, reader.uint32(), `${prefix}.verdict`, {
                limits: opts.limits?.verdict
              })

              break
            }
            case 5: {
              yield * DraftJobClose.codec().stream(reader, reader.uint32(), `${prefix}.close`, {
                limits: opts.limits?.close
              })

              break
            }
            case 6: {
              yield * SignedReceipt.codec().stream(reader, reader.uint32(), `${prefix}.receipt`, {
                limits: opts.limits?.receipt
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DraftToDrafterWelcomeMaxBatchTokensFieldEvent {
    field: '$.welcome.maxBatchTokens'
    value: number
  }

  export interface DraftToDrafterRefusalCodeFieldEvent {
    field: '$.refusal.code'
    value: DraftRefusalCode
  }

  export interface DraftToDrafterRefusalMessageFieldEvent {
    field: '$.refusal.message'
    value: string
  }

  export interface DraftToDrafterOpenJobIdFieldEvent {
    field: '$.open.jobId'
    value: number
  }

  export interface DraftToDrafterOpenContextFieldEvent {
    field: '$.open.context[]'
    index: number
    value: number
  }

  export interface DraftToDrafterOpenLookaheadFieldEvent {
    field: '$.open.lookahead'
    value: number
  }

  export interface DraftToDrafterVerdictJobIdFieldEvent {
    field: '$.verdict.jobId'
    value: number
  }

  export interface DraftToDrafterVerdictPositionFieldEvent {
    field: '$.verdict.position'
    value: number
  }

  export interface DraftToDrafterVerdictAcceptedFieldEvent {
    field: '$.verdict.accepted'
    value: number
  }

  export interface DraftToDrafterVerdictTokensFieldEvent {
    field: '$.verdict.tokens[]'
    index: number
    value: number
  }

  export interface DraftToDrafterVerdictLookaheadFieldEvent {
    field: '$.verdict.lookahead'
    value: number
  }

  export interface DraftToDrafterCloseJobIdFieldEvent {
    field: '$.close.jobId'
    value: number
  }

  export interface DraftToDrafterCloseReasonFieldEvent {
    field: '$.close.reason'
    value: DraftJobCloseReason
  }

  export interface DraftToDrafterReceiptBodyFieldEvent {
    field: '$.receipt.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DraftToDrafterReceiptSignatureFieldEvent {
    field: '$.receipt.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<DraftToDrafter>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DraftToDrafter.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftToDrafter>): DraftToDrafter {
    return decodeMessage(buf, DraftToDrafter.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftToDrafter>): Generator<DraftToDrafterWelcomeMaxBatchTokensFieldEvent | DraftToDrafterRefusalCodeFieldEvent | DraftToDrafterRefusalMessageFieldEvent | DraftToDrafterOpenJobIdFieldEvent | DraftToDrafterOpenContextFieldEvent | DraftToDrafterOpenLookaheadFieldEvent | DraftToDrafterVerdictJobIdFieldEvent | DraftToDrafterVerdictPositionFieldEvent | DraftToDrafterVerdictAcceptedFieldEvent | DraftToDrafterVerdictTokensFieldEvent | DraftToDrafterVerdictLookaheadFieldEvent | DraftToDrafterCloseJobIdFieldEvent | DraftToDrafterCloseReasonFieldEvent | DraftToDrafterReceiptBodyFieldEvent | DraftToDrafterReceiptSignatureFieldEvent> {
    return streamMessage(buf, DraftToDrafter.codec(), opts)
  }
}

export interface DraftBatch {
  jobId: number
  epoch: number
  position: number
  tokens: number[]
  probabilities: number[]
}

export namespace DraftBatch {
  let _codec: Codec<DraftBatch>

  export const codec = (): Codec<DraftBatch> => {
    if (_codec == null) {
      _codec = message<DraftBatch>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.jobId != null && obj.jobId !== 0)) {
          w.uint32(8)
          w.uint32(obj.jobId)
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(16)
          w.uint32(obj.epoch)
        }

        if ((obj.position != null && obj.position !== 0)) {
          w.uint32(24)
          w.uint32(obj.position)
        }

        if (obj.tokens != null && obj.tokens.length > 0) {
          for (const value of obj.tokens) {
            w.uint32(32)
            w.uint32(value)
          }
        }

        if (obj.probabilities != null && obj.probabilities.length > 0) {
          for (const value of obj.probabilities) {
            w.uint32(45)
            w.float(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          jobId: 0,
          epoch: 0,
          position: 0,
          tokens: [],
          probabilities: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.jobId = reader.uint32()
              break
            }
            case 2: {
              obj.epoch = reader.uint32()
              break
            }
            case 3: {
              obj.position = reader.uint32()
              break
            }
            case 4: {
              if (opts.limits?.tokens != null && obj.tokens.length === opts.limits.tokens) {
                throw new MaxLengthError('Decode error - repeated field "tokens" had too many elements')
              }

              obj.tokens.push(reader.uint32())
              break
            }
            case 5: {
              if (opts.limits?.probabilities != null && obj.probabilities.length === opts.limits.probabilities) {
                throw new MaxLengthError('Decode error - repeated field "probabilities" had too many elements')
              }

              obj.probabilities.push(reader.float())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          tokens: 0,
          probabilities: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.jobId`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.position`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              if (opts.limits?.tokens != null && obj.tokens === opts.limits.tokens) {
                throw new MaxLengthError('Streaming decode error - repeated field "tokens" had too many elements')
              }

              yield {
                field: `${prefix}.tokens[]`,
                index: obj.tokens,
                value: reader.uint32()
              }

              obj.tokens++

              break
            }
            case 5: {
              if (opts.limits?.probabilities != null && obj.probabilities === opts.limits.probabilities) {
                throw new MaxLengthError('Streaming decode error - repeated field "probabilities" had too many elements')
              }

              yield {
                field: `${prefix}.probabilities[]`,
                index: obj.probabilities,
                value: reader.float()
              }

              obj.probabilities++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DraftBatchJobIdFieldEvent {
    field: '$.jobId'
    value: number
  }

  export interface DraftBatchEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface DraftBatchPositionFieldEvent {
    field: '$.position'
    value: number
  }

  export interface DraftBatchTokensFieldEvent {
    field: '$.tokens[]'
    index: number
    value: number
  }

  export interface DraftBatchProbabilitiesFieldEvent {
    field: '$.probabilities[]'
    index: number
    value: number
  }

  export function encode (obj: Partial<DraftBatch>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DraftBatch.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftBatch>): DraftBatch {
    return decodeMessage(buf, DraftBatch.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftBatch>): Generator<DraftBatchJobIdFieldEvent | DraftBatchEpochFieldEvent | DraftBatchPositionFieldEvent | DraftBatchTokensFieldEvent | DraftBatchProbabilitiesFieldEvent> {
    return streamMessage(buf, DraftBatch.codec(), opts)
  }
}

export interface DraftJobFailed {
  jobId: number
  message: string
}

export namespace DraftJobFailed {
  let _codec: Codec<DraftJobFailed>

  export const codec = (): Codec<DraftJobFailed> => {
    if (_codec == null) {
      _codec = message<DraftJobFailed>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.jobId != null && obj.jobId !== 0)) {
          w.uint32(8)
          w.uint32(obj.jobId)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(18)
          w.string(obj.message)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          jobId: 0,
          message: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.jobId = reader.uint32()
              break
            }
            case 2: {
              obj.message = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.jobId`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.message`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DraftJobFailedJobIdFieldEvent {
    field: '$.jobId'
    value: number
  }

  export interface DraftJobFailedMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export function encode (obj: Partial<DraftJobFailed>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DraftJobFailed.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftJobFailed>): DraftJobFailed {
    return decodeMessage(buf, DraftJobFailed.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftJobFailed>): Generator<DraftJobFailedJobIdFieldEvent | DraftJobFailedMessageFieldEvent> {
    return streamMessage(buf, DraftJobFailed.codec(), opts)
  }
}

export interface DraftToVerifier {
  hello?: DraftHello
  batch?: DraftBatch
  failed?: DraftJobFailed
}

export namespace DraftToVerifier {
  let _codec: Codec<DraftToVerifier>

  export const codec = (): Codec<DraftToVerifier> => {
    if (_codec == null) {
      _codec = message<DraftToVerifier>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.failed != null) {
          obj.batch = undefined
          obj.hello = undefined
        }

        if (obj.batch != null) {
          obj.failed = undefined
          obj.hello = undefined
        }

        if (obj.hello != null) {
          obj.failed = undefined
          obj.batch = undefined
        }

        if (obj.hello != null) {
          w.uint32(10)
          DraftHello.codec().encode(obj.hello, w)
        }

        if (obj.batch != null) {
          w.uint32(18)
          DraftBatch.codec().encode(obj.batch, w)
        }

        if (obj.failed != null) {
          w.uint32(26)
          DraftJobFailed.codec().encode(obj.failed, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.hello = DraftHello.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.hello
              })
              break
            }
            case 2: {
              obj.batch = DraftBatch.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.batch
              })
              break
            }
            case 3: {
              obj.failed = DraftJobFailed.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.failed
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.failed != null) {
          delete obj.batch
          delete obj.hello
        }

        if (obj.batch != null) {
          delete obj.failed
          delete obj.hello
        }

        if (obj.hello != null) {
          delete obj.failed
          delete obj.batch
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * DraftHello.codec().stream(reader, reader.uint32(), `${prefix}.hello`, {
                limits: opts.limits?.hello
              })

              break
            }
            case 2: {
              yield * DraftBatch.codec().stream(reader, reader.uint32(), `${prefix}.batch`, {
                limits: opts.limits?.batch
              })

              break
            }
            case 3: {
              yield * DraftJobFailed.codec().stream(reader, reader.uint32(), `${prefix}.failed`, {
                limits: opts.limits?.failed
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DraftToVerifierHelloModelFieldEvent {
    field: '$.hello.model'
    value: string
  }

  export interface DraftToVerifierHelloTokenizerFingerprintFieldEvent {
    field: '$.hello.tokenizerFingerprint'
    value: string
  }

  export interface DraftToVerifierHelloMaxJobsFieldEvent {
    field: '$.hello.maxJobs'
    value: number
  }

  export interface DraftToVerifierHelloNewestReceiptFieldEvent {
    field: '$.hello.newestReceipt'
    value: number
  }

  export interface DraftToVerifierHelloMissingReceiptsFieldEvent {
    field: '$.hello.missingReceipts[]'
    index: number
    value: number
  }

  export interface DraftToVerifierBatchJobIdFieldEvent {
    field: '$.batch.jobId'
    value: number
  }

  export interface DraftToVerifierBatchEpochFieldEvent {
    field: '$.batch.epoch'
    value: number
  }

  export interface DraftToVerifierBatchPositionFieldEvent {
    field: '$.batch.position'
    value: number
  }

  export interface DraftToVerifierBatchTokensFieldEvent {
    field: '$.batch.tokens[]'
    index: number
    value: number
  }

  export interface DraftToVerifierBatchProbabilitiesFieldEvent {
    field: '$.batch.probabilities[]'
    index: number
    value: number
  }

  export interface DraftToVerifierFailedJobIdFieldEvent {
    field: '$.failed.jobId'
    value: number
  }

  export interface DraftToVerifierFailedMessageFieldEvent {
    field: '$.failed.message'
    value: string
  }

  export function encode (obj: Partial<DraftToVerifier>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DraftToVerifier.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftToVerifier>): DraftToVerifier {
    return decodeMessage(buf, DraftToVerifier.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DraftToVerifier>): Generator<DraftToVerifierHelloModelFieldEvent | DraftToVerifierHelloTokenizerFingerprintFieldEvent | DraftToVerifierHelloMaxJobsFieldEvent | DraftToVerifierHelloNewestReceiptFieldEvent | DraftToVerifierHelloMissingReceiptsFieldEvent | DraftToVerifierBatchJobIdFieldEvent | DraftToVerifierBatchEpochFieldEvent | DraftToVerifierBatchPositionFieldEvent | DraftToVerifierBatchTokensFieldEvent | DraftToVerifierBatchProbabilitiesFieldEvent | DraftToVerifierFailedJobIdFieldEvent | DraftToVerifierFailedMessageFieldEvent> {
    return streamMessage(buf, DraftToVerifier.codec(), opts)
  }
}

export enum ReceiptKind {
  RECEIPT_KIND_UNSPECIFIED = 'RECEIPT_KIND_UNSPECIFIED',
  SERVED = 'SERVED',
  DRAFTED = 'DRAFTED'
}

enum __ReceiptKindValues {
  RECEIPT_KIND_UNSPECIFIED = 0,
  SERVED = 1,
  DRAFTED = 2
}

export namespace ReceiptKind {
  export const codec = (): Codec<ReceiptKind> => {
    return enumeration<ReceiptKind>(__ReceiptKindValues)
  }
}

export interface ReceiptDrafter {
  peerId: string
  draftedTokens: number
  acceptedTokens: number
}

export namespace ReceiptDrafter {
  let _codec: Codec<ReceiptDrafter>

  export const codec = (): Codec<ReceiptDrafter> => {
    if (_codec == null) {
      _codec = message<ReceiptDrafter>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(10)
          w.string(obj.peerId)
        }

        if ((obj.draftedTokens != null && obj.draftedTokens !== 0)) {
          w.uint32(16)
          w.uint32(obj.draftedTokens)
        }

        if ((obj.acceptedTokens != null && obj.acceptedTokens !== 0)) {
          w.uint32(24)
          w.uint32(obj.acceptedTokens)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: '',
          draftedTokens: 0,
          acceptedTokens: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.string()
              break
            }
            case 2: {
              obj.draftedTokens = reader.uint32()
              break
            }
            case 3: {
              obj.acceptedTokens = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.draftedTokens`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.acceptedTokens`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ReceiptDrafterPeerIdFieldEvent {
    field: '$.peerId'
    value: string
  }

  export interface ReceiptDrafterDraftedTokensFieldEvent {
    field: '$.draftedTokens'
    value: number
  }

  export interface ReceiptDrafterAcceptedTokensFieldEvent {
    field: '$.acceptedTokens'
    value: number
  }

  export function encode (obj: Partial<ReceiptDrafter>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReceiptDrafter.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReceiptDrafter>): ReceiptDrafter {
    return decodeMessage(buf, ReceiptDrafter.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReceiptDrafter>): Generator<ReceiptDrafterPeerIdFieldEvent | ReceiptDrafterDraftedTokensFieldEvent | ReceiptDrafterAcceptedTokensFieldEvent> {
    return streamMessage(buf, ReceiptDrafter.codec(), opts)
  }
}

export interface ReceiptBody {
  kind: ReceiptKind
  id: string
  issuer: string
  subject: string
  issuedAtMs: bigint
  sequence: bigint
  previousId: string
  answerId: string
  model: string
  promptTokens: number
  completionTokens: number
  queuedMs: number
  firstTokenMs: number
  totalMs: number
  passes: number
  drafters: ReceiptDrafter[]
  promptHash: string
  outputHash: string
  emulation: string
}

export namespace ReceiptBody {
  let _codec: Codec<ReceiptBody>

  export const codec = (): Codec<ReceiptBody> => {
    if (_codec == null) {
      _codec = message<ReceiptBody>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __ReceiptKindValues[obj.kind] !== 0) {
          w.uint32(8)
          ReceiptKind.codec().encode(obj.kind, w)
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(18)
          w.string(obj.id)
        }

        if ((obj.issuer != null && obj.issuer !== '')) {
          w.uint32(26)
          w.string(obj.issuer)
        }

        if ((obj.subject != null && obj.subject !== '')) {
          w.uint32(34)
          w.string(obj.subject)
        }

        if ((obj.issuedAtMs != null && obj.issuedAtMs !== 0n)) {
          w.uint32(40)
          w.uint64(obj.issuedAtMs)
        }

        if ((obj.sequence != null && obj.sequence !== 0n)) {
          w.uint32(48)
          w.uint64(obj.sequence)
        }

        if ((obj.previousId != null && obj.previousId !== '')) {
          w.uint32(58)
          w.string(obj.previousId)
        }

        if ((obj.answerId != null && obj.answerId !== '')) {
          w.uint32(66)
          w.string(obj.answerId)
        }

        if ((obj.model != null && obj.model !== '')) {
          w.uint32(74)
          w.string(obj.model)
        }

        if ((obj.promptTokens != null && obj.promptTokens !== 0)) {
          w.uint32(80)
          w.uint32(obj.promptTokens)
        }

        if ((obj.completionTokens != null && obj.completionTokens !== 0)) {
          w.uint32(88)
          w.uint32(obj.completionTokens)
        }

        if ((obj.queuedMs != null && obj.queuedMs !== 0)) {
          w.uint32(96)
          w.uint32(obj.queuedMs)
        }

        if ((obj.firstTokenMs != null && obj.firstTokenMs !== 0)) {
          w.uint32(104)
          w.uint32(obj.firstTokenMs)
        }

        if ((obj.totalMs != null && obj.totalMs !== 0)) {
          w.uint32(112)
          w.uint32(obj.totalMs)
        }

        if ((obj.passes != null && obj.passes !== 0)) {
          w.uint32(120)
          w.uint32(obj.passes)
        }

        if (obj.drafters != null && obj.drafters.length > 0) {
          for (const value of obj.drafters) {
            w.uint32(130)
            ReceiptDrafter.codec().encode(value, w)
          }
        }

        if ((obj.promptHash != null && obj.promptHash !== '')) {
          w.uint32(138)
          w.string(obj.promptHash)
        }

        if ((obj.outputHash != null && obj.outputHash !== '')) {
          w.uint32(146)
          w.string(obj.outputHash)
        }

        if ((obj.emulation != null && obj.emulation !== '')) {
          w.uint32(154)
          w.string(obj.emulation)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: ReceiptKind.RECEIPT_KIND_UNSPECIFIED,
          id: '',
          issuer: '',
          subject: '',
          issuedAtMs: 0n,
          sequence: 0n,
          previousId: '',
          answerId: '',
          model: '',
          promptTokens: 0,
          completionTokens: 0,
          queuedMs: 0,
          firstTokenMs: 0,
          totalMs: 0,
          passes: 0,
          drafters: [],
          promptHash: '',
          outputHash: '',
          emulation: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = ReceiptKind.codec().decode(reader)
              break
            }
            case 2: {
              obj.id = reader.string()
              break
            }
            case 3: {
              obj.issuer = reader.string()
              break
            }
            case 4: {
              obj.subject = reader.string()
              break
            }
            case 5: {
              obj.issuedAtMs = reader.uint64()
              break
            }
            case 6: {
              obj.sequence = reader.uint64()
              break
            }
            case 7: {
              obj.previousId = reader.string()
              break
            }
            case 8: {
              obj.answerId = reader.string()
              break
            }
            case 9: {
              obj.model = reader.string()
              break
            }
            case 10: {
              obj.promptTokens = reader.uint32()
              break
            }
            case 11: {
              obj.completionTokens = reader.uint32()
              break
            }
            case 12: {
              obj.queuedMs = reader.uint32()
              break
            }
            case 13: {
              obj.firstTokenMs = reader.uint32()
              break
            }
            case 14: {
              obj.totalMs = reader.uint32()
              break
            }
            case 15: {
              obj.passes = reader.uint32()
              break
            }
            case 16: {
              if (opts.limits?.drafters != null && obj.drafters.length === opts.limits.drafters) {
                throw new MaxLengthError('Decode error - repeated field "drafters" had too many elements')
              }

              obj.drafters.push(ReceiptDrafter.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.drafters$
              }))
              break
            }
            case 17: {
              obj.promptHash = reader.string()
              break
            }
            case 18: {
              obj.outputHash = reader.string()
              break
            }
            case 19: {
              obj.emulation = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          drafters: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: ReceiptKind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.issuer`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.subject`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.issuedAtMs`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.sequence`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.previousId`,
                value: reader.string()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.answerId`,
                value: reader.string()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.model`,
                value: reader.string()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.promptTokens`,
                value: reader.uint32()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.completionTokens`,
                value: reader.uint32()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.queuedMs`,
                value: reader.uint32()
              }
              break
            }
            case 13: {
              yield {
                field: `${prefix}.firstTokenMs`,
                value: reader.uint32()
              }
              break
            }
            case 14: {
              yield {
                field: `${prefix}.totalMs`,
                value: reader.uint32()
              }
              break
            }
            case 15: {
              yield {
                field: `${prefix}.passes`,
                value: reader.uint32()
              }
              break
            }
            case 16: {
              if (opts.limits?.drafters != null && obj.drafters === opts.limits.drafters) {
                throw new MaxLengthError('Streaming decode error - repeated field "drafters" had too many elements')
              }

              for (const evt of ReceiptDrafter.codec().stream(reader, reader.uint32(), `${prefix}.drafters[]`, {
                limits: opts.limits?.drafters$
              })) {
                yield {
                  ...evt,
                  index: obj.drafters
                }
              }

              obj.drafters++

              break
            }
            case 17: {
              yield {
                field: `${prefix}.promptHash`,
                value: reader.string()
              }
              break
            }
            case 18: {
              yield {
                field: `${prefix}.outputHash`,
                value: reader.string()
              }
              break
            }
            case 19: {
              yield {
                field: `${prefix}.emulation`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ReceiptBodyKindFieldEvent {
    field: '$.kind'
    value: ReceiptKind
  }

  export interface ReceiptBodyIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface ReceiptBodyIssuerFieldEvent {
    field: '$.issuer'
    value: string
  }

  export interface ReceiptBodySubjectFieldEvent {
    field: '$.subject'
    value: string
  }

  export interface ReceiptBodyIssuedAtMsFieldEvent {
    field: '$.issuedAtMs'
    value: bigint
  }

  export interface ReceiptBodySequenceFieldEvent {
    field: '$.sequence'
    value: bigint
  }

  export interface ReceiptBodyPreviousIdFieldEvent {
    field: '$.previousId'
    value: string
  }

  export interface ReceiptBodyAnswerIdFieldEvent {
    field: '$.answerId'
    value: string
  }

  export interface ReceiptBodyModelFieldEvent {
    field: '$.model'
    value: string
  }

  export interface ReceiptBodyPromptTokensFieldEvent {
    field: '$.promptTokens'
    value: number
  }

  export interface ReceiptBodyCompletionTokensFieldEvent {
    field: '$.completionTokens'
    value: number
  }

  export interface ReceiptBodyQueuedMsFieldEvent {
    field: '$.queuedMs'
    value: number
  }

  export interface ReceiptBodyFirstTokenMsFieldEvent {
    field: '$.firstTokenMs'
    value: number
  }

  export interface ReceiptBodyTotalMsFieldEvent {
    field: '$.totalMs'
    value: number
  }

  export interface ReceiptBodyPassesFieldEvent {
    field: '$.passes'
    value: number
  }

  export interface ReceiptBodyDraftersPeerIdFieldEvent {
    field: '$.drafters[].peerId'
    value: string
    index: number
  }

  export interface ReceiptBodyDraftersDraftedTokensFieldEvent {
    field: '$.drafters[].draftedTokens'
    value: number
    index: number
  }

  export interface ReceiptBodyDraftersAcceptedTokensFieldEvent {
    field: '$.drafters[].acceptedTokens'
    value: number
    index: number
  }

  export interface ReceiptBodyPromptHashFieldEvent {
    field: '$.promptHash'
    value: string
  }

  export interface ReceiptBodyOutputHashFieldEvent {
    field: '$.outputHash'
    value: string
  }

  export interface ReceiptBodyEmulationFieldEvent {
    field: '$.emulation'
    value: string
  }

  export function encode (obj: Partial<ReceiptBody>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReceiptBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReceiptBody>): ReceiptBody {
    return decodeMessage(buf, ReceiptBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReceiptBody>): Generator<ReceiptBodyKindFieldEvent | ReceiptBodyIdFieldEvent | ReceiptBodyIssuerFieldEvent | ReceiptBodySubjectFieldEvent | ReceiptBodyIssuedAtMsFieldEvent | ReceiptBodySequenceFieldEvent | ReceiptBodyPreviousIdFieldEvent | ReceiptBodyAnswerIdFieldEvent | ReceiptBodyModelFieldEvent | ReceiptBodyPromptTokensFieldEvent | ReceiptBodyCompletionTokensFieldEvent | ReceiptBodyQueuedMsFieldEvent | ReceiptBodyFirstTokenMsFieldEvent | ReceiptBodyTotalMsFieldEvent | ReceiptBodyPassesFieldEvent | ReceiptBodyDraftersPeerIdFieldEvent | ReceiptBodyDraftersDraftedTokensFieldEvent | ReceiptBodyDraftersAcceptedTokensFieldEvent | ReceiptBodyPromptHashFieldEvent | ReceiptBodyOutputHashFieldEvent | ReceiptBodyEmulationFieldEvent> {
    return streamMessage(buf, ReceiptBody.codec(), opts)
  }
}

export interface SignedReceipt {
  body: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedReceipt {
  let _codec: Codec<SignedReceipt>

  export const codec = (): Codec<SignedReceipt> => {
    if (_codec == null) {
      _codec = message<SignedReceipt>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.body)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          body: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.body = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.body`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SignedReceiptBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedReceiptSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedReceipt>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedReceipt.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedReceipt>): SignedReceipt {
    return decodeMessage(buf, SignedReceipt.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedReceipt>): Generator<SignedReceiptBodyFieldEvent | SignedReceiptSignatureFieldEvent> {
    return streamMessage(buf, SignedReceipt.codec(), opts)
  }
}

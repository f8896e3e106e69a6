/**
 * The content of one message by WhatsApp type: text, images inline, audio with a player and its
 * transcript, video, documents, locations, shared contacts, interactive (buttons, lists,
 * replies) and templates.
 */
import { Anchor, Badge, Group, Image, Stack, Text } from "@mantine/core";
import { IconFileText, IconMapPin, IconUser } from "@tabler/icons-react";
import { InteractiveBody } from "./InteractiveBody";
import type { MessageView } from "./types";

type Payload = Record<string, unknown> | undefined;

function TextBody({ text }: { text: string }) {
  return (
    <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
      {text}
    </Text>
  );
}

function MediaBody({ message }: { message: MessageView }) {
  const { type, media } = message.channelData;
  const url = media?.url;
  const caption = media?.caption;
  if ((type === "image" || type === "sticker") && url) {
    return (
      <Stack gap={4}>
        <Image src={url} alt={caption ?? "Image from the conversation"} maw={260} radius="sm" />
        {caption && <TextBody text={caption} />}
      </Stack>
    );
  }
  if (type === "video" && url) {
    return <video src={url} controls style={{ maxWidth: 280 }} aria-label={caption ?? "Video"} />;
  }
  if (type === "audio" || type === "voice") {
    const transcribed = (message.channelData.payload as Payload)?.transcribed === true;
    return (
      <Stack gap={4}>
        {url ? (
          <audio src={url} controls aria-label="Voice message" />
        ) : (
          <Badge variant="light">Voice message</Badge>
        )}
        {transcribed && (
          <Text size="xs" c="dimmed">
            Transcript
          </Text>
        )}
        <TextBody text={message.content} />
      </Stack>
    );
  }
  return (
    <Group gap="xs">
      <IconFileText size={18} />
      {url ? (
        <Anchor href={url} target="_blank" rel="noreferrer" size="sm">
          {media?.filename ?? message.content}
        </Anchor>
      ) : (
        <TextBody text={message.content} />
      )}
    </Group>
  );
}

function LocationBody({ message }: { message: MessageView }) {
  const p = message.channelData.payload as Payload;
  const lat = p?.latitude as number | undefined;
  const lng = p?.longitude as number | undefined;
  const label = [p?.name, p?.address].filter(Boolean).join(", ") || "Location";
  return (
    <Group gap="xs" wrap="nowrap">
      <IconMapPin size={18} />
      {lat !== undefined && lng !== undefined ? (
        <Anchor
          href={`https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=16/${lat}/${lng}`}
          target="_blank"
          rel="noreferrer"
          size="sm"
        >
          {label} ({lat.toFixed(4)}, {lng.toFixed(4)})
        </Anchor>
      ) : (
        <TextBody text={message.content} />
      )}
    </Group>
  );
}

function ContactsBody({ message }: { message: MessageView }) {
  const cards = ((message.channelData.payload as Payload)?.contacts ?? []) as {
    name?: string;
    phones?: string[];
  }[];
  if (cards.length === 0) return <TextBody text={message.content} />;
  return (
    <Stack gap={4}>
      {cards.map((c, i) => (
        <Group key={i} gap="xs">
          <IconUser size={16} />
          <Text size="sm">
            {c.name ?? "Contact"} {c.phones?.join(", ")}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}

export function MessageBody({ message }: { message: MessageView }) {
  const { type } = message.channelData;
  if (["image", "sticker", "video", "audio", "voice", "document"].includes(type))
    return <MediaBody message={message} />;
  if (type === "location") return <LocationBody message={message} />;
  if (type === "contacts") return <ContactsBody message={message} />;
  if (type === "interactive" || type === "button" || type === "template")
    return <InteractiveBody message={message} />;
  return <TextBody text={message.content} />;
}

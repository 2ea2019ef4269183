package com.lifecycleorchestrator.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;

/** The lifecycle action that {@code events/terminate.json} carries, and the runbook the tests configure for it. */
public final class TerminateSample {

  public static final String GROUP = "web-asg";
  public static final String HOOK = "graceful-exit";
  public static final String INSTANCE = "i-0a1b2c3d4e5f67890";
  public static final String TOKEN = "87654321-4321-4321-4321-210987654321";
  public static final Instant HELD_SINCE = Instant.parse("2026-11-25T13:00:00Z");
  public static final String DOCUMENT = "GracefulExit-ArchiveLogs";

  private static final ObjectMapper JSON = new ObjectMapper();

  private TerminateSample() {}

  /** {@code events/terminate.json} as Auto Scaling would send it at {@code sent}: the hook's timers count from the event's time. */
  public static byte[] eventSentAt(Instant sent) {
    try {
      ObjectNode event = (ObjectNode) JSON.readTree(Path.of("events", "terminate.json").toFile());
      event.put("time", sent.toString());
      return JSON.writeValueAsBytes(event);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package com.lifecycleorchestrator.testkit;

import java.time.Instant;

/** The lifecycle action that {@code events/terminate.json} carries, and the runbook the tests configure for it. */
public final class TerminateSample {

  public static final String GROUP = "web-asg";
  public static final String HOOK = "graceful-exit";
  public static final String INSTANCE = "i-0a1b2c3d4e5f67890";
  public static final String TOKEN = "87654321-4321-4321-4321-210987654321";
  public static final Instant HELD_SINCE = Instant.parse("2026-11-25T13:00:00Z");
  public static final String DOCUMENT = "GracefulExit-ArchiveLogs";

  private TerminateSample() {}
}

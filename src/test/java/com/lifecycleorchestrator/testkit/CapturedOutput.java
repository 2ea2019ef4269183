package com.lifecycleorchestrator.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** What the function writes to standard output (its log) while a block runs, as JSON lines. */
public final class CapturedOutput {

  private static final ObjectMapper JSON = new ObjectMapper();

  private CapturedOutput() {}

  /** Runs the block and returns every JSON log line it wrote. */
  public static List<JsonNode> logLinesOf(Runnable block) {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      block.run();
    } finally {
      System.setOut(original);
    }
    List<JsonNode> lines = new ArrayList<>();
    for (String line : captured.toString(StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("{")) {
        try {
          lines.add(JSON.readTree(line));
        } catch (java.io.IOException e) {
          throw new UncheckedIOException("a log line is not JSON: " + line, e);
        }
      }
    }
    original.print(captured.toString(StandardCharsets.UTF_8));
    return lines;
  }
}

package com.lifecycleorchestrator.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.standin.StandInSsm.Document;
import com.lifecycleorchestrator.testkit.VirtualClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stand-in's own rules on the wire, whatever client calls it. */
class AwsStandInTest {

  private static final String START = "{\"DocumentName\": \"Runbook\", \"Parameters\": {\"InstanceId\": [\"i-0a1b2c3d4e5f67890\"]}}";

  private final VirtualClock clock = new VirtualClock(Instant.parse("2026-11-25T13:00:00Z"));
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aRequestWithoutASignatureIsRefusedAndTakesNoEffect() throws Exception {
    try (AwsStandIn standIn = AwsStandIn.start(clock)) {
      standIn.ssm().document(Document.declaring("Runbook", "InstanceId"));

      HttpResponse<String> refused = send(standIn, ssmCall("StartAutomationExecution", START).build());

      assertEquals(403, refused.statusCode());
      assertTrue(refused.body().contains("\"__type\":\"MissingAuthenticationTokenException\""), refused.body());
      assertEquals(List.of(), standIn.ssm().executions());
    }
  }

  @Test
  void aRequestInNoProtocolItSpeaksIsToldWhatItSpeaks() throws Exception {
    try (AwsStandIn standIn = AwsStandIn.start(clock)) {
      HttpResponse<String> answer = send(standIn, HttpRequest.newBuilder(standIn.endpoint().resolve("/2015-03-31/tags"))
          .header("Authorization", "AWS4-HMAC-SHA256 test").GET().build());

      assertEquals(404, answer.statusCode());
      assertTrue(answer.body().contains("answers SSM (awsJson1_1"), answer.body());
    }
  }

  @Test
  void aFailureOfTheStandInsOwnCodeFailsItsClosingRatherThanPassingForAFaultOfAws() throws Exception {
    AwsStandIn standIn = AwsStandIn.start(clock);
    standIn.ssm().document(Document.declaring("Runbook", "InstanceId")).scripted(parameters -> {
      throw new IllegalStateException("a script that cannot be played");
    });

    assertThrows(IOException.class, () -> send(standIn,
        ssmCall("StartAutomationExecution", START).header("Authorization", "AWS4-HMAC-SHA256 test").build()));

    IllegalStateException failed = assertThrows(IllegalStateException.class, standIn::close);
    assertEquals("a script that cannot be played", failed.getCause().getMessage());
  }

  private static HttpRequest.Builder ssmCall(String operation, String body) {
    return HttpRequest.newBuilder(URI.create("http://placeholder/"))
        .header("X-Amz-Target", "AmazonSSM." + operation)
        .header("Content-Type", "application/x-amz-json-1.1")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private HttpResponse<String> send(AwsStandIn standIn, HttpRequest request) throws IOException, InterruptedException {
    HttpRequest addressed = HttpRequest.newBuilder(request, (name, value) -> true)
        .uri(standIn.endpoint().resolve(request.uri().getPath()))
        .build();
    return http.send(addressed, HttpResponse.BodyHandlers.ofString());
  }
}

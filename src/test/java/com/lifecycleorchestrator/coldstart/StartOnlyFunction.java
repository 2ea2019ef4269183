package com.lifecycleorchestrator.coldstart;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * The cold-start benchmark's floor: a function of a few lines that reads the lifecycle event's
 * instance id and starts the runbook on it, nothing else (no check, no record, no completion). Its
 * client is built with the SDK's defaults ({@code SsmClient.builder().build()}: what {@code create()}
 * does, which the shrunk SDK does not keep) in the deployment package, where the only HTTP client is
 * the URL-connection one the function uses too; the Region and credentials come from the default
 * chains, which find them in the environment first. Only the benchmark's package carries it.
 */
public final class StartOnlyFunction implements RequestStreamHandler {

  private static final SsmClient SSM = SsmClient.builder().build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RUNBOOK = System.getenv("AUTOMATION_DOCUMENT_NAME");

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    String instance = JSON.readTree(input).path("detail").path("EC2InstanceId").asText();
    String execution = SSM.startAutomationExecution(request -> request.documentName(RUNBOOK)
        .parameters(Map.of("InstanceId", List.of(instance)))).automationExecutionId();
    output.write(JSON.writeValueAsBytes(Map.of("AutomationExecutionId", execution)));
  }
}

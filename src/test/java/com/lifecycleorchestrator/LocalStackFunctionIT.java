package com.lifecycleorchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.lifecycleorchestrator.core.Clock;
import com.lifecycleorchestrator.deployment.DeployedFunction;
import com.lifecycleorchestrator.standin.AwsStandIn;
import com.lifecycleorchestrator.testkit.DeploymentPackage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.Runtime;

/**
 * The packaged function in LocalStack's Lambda, which runs it in the real {@code java21} runtime
 * image: what LocalStack's community image can say about us. It answers neither SSM Automation
 * ({@code StartAutomationExecution}, {@code GetAutomationExecution},
 * {@code DescribeAutomationExecutions}, {@code StopAutomationExecution} are not implemented, and
 * {@code DescribeInstanceInformation} is in the Pro image only) nor Auto Scaling (Pro image only,
 * and {@code CompleteLifecycleAction} and {@code RecordLifecycleActionHeartbeat} not even there),
 * so the lifecycle flow itself is tried against the stand-in; here the deployment package (the
 * compiled classes and {@code lib/} with the SDK shrunk, as {@code sam build} ships them) must start in the
 * runtime, take the sample events as the runtime hands them over, and answer an asynchronous
 * {@code Invoke} the way the stand-in does. Needs Docker; without it, skipped, even with {@code CI=true}.
 */
@ExtendWith(LocalStackFunctionIT.DockerEngine.class)
@Testcontainers
class LocalStackFunctionIT {

  /**
   * Skips the class without a Docker engine and says so on the build's console: Maven's test
   * report counts a skipped test but never prints why, so a skip that CI=true allows would
   * otherwise pass unnoticed. The failsafe plugin leaves the integration tests' output on the
   * console for this line (pom.xml).
   */
  static final class DockerEngine implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      if (DockerClientFactory.instance().isDockerAvailable()) {
        return ConditionEvaluationResult.enabled("a Docker engine is available");
      }
      String reason = "no Docker engine was found, so the packaged function is not tried in LocalStack's Lambda "
          + "(skipped even with CI=true; the README says why)";
      if (context.getTestMethod().isEmpty()) {
        System.out.println(LocalStackFunctionIT.class.getSimpleName() + " SKIPPED: " + reason);
      }
      return ConditionEvaluationResult.disabled(reason);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FUNCTION = "lifecycle-orchestrator";

  @Container
  static final LocalStackContainer LOCALSTACK = localStack();

  private static LambdaClient lambda;

  /**
   * A community image from before LocalStack's images asked for an auth token; a
   * {@code LOCALSTACK_AUTH_TOKEN} in the environment is passed on, for newer images.
   */
  private static LocalStackContainer localStack() {
    LocalStackContainer container = new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.4.0"))
        .withServices(LocalStackContainer.Service.LAMBDA);
    Optional.ofNullable(System.getenv("LOCALSTACK_AUTH_TOKEN"))
        .ifPresent(token -> container.withEnv("LOCALSTACK_AUTH_TOKEN", token));
    return container;
  }

  @BeforeAll
  static void deployTheFunction() throws IOException {
    lambda = lambdaAt(LOCALSTACK.getEndpoint());
    DeployedFunction deployed = DeployedFunction.withDefaults();
    SdkBytes deploymentPackage = SdkBytes.fromByteArray(DeploymentPackage.built().zipped());
    lambda.createFunction(request -> request
        .functionName(FUNCTION)
        .runtime(Runtime.JAVA21)
        .handler(deployed.handler())
        .role("arn:aws:iam::000000000000:role/lifecycle-orchestrator")
        .memorySize(deployed.memoryMegabytes())
        .timeout(60)
        .environment(environment -> environment.variables(Map.of(
            "AUTOMATION_DOCUMENT_NAME", "GracefulExit-ArchiveLogs",
            "HEARTBEAT_TIMEOUT_SECONDS", "3600")))
        .code(code -> code.zipFile(deploymentPackage)));
    lambda.waiter().waitUntilFunctionActiveV2(request -> request.functionName(FUNCTION));
  }

  @Test
  void theTestNotificationIsIgnoredInTheRealRuntime() throws IOException {
    InvokeResponse response = lambda.invoke(request -> request.functionName(FUNCTION)
        .payload(SdkBytes.fromByteArray(sample("test-notification.json"))));

    assertNull(response.functionError(), () -> response.payload().asUtf8String());
    JsonNode returned = JSON.readTree(response.payload().asByteArray());
    assertEquals("Ignored", returned.path("outcome").asText());
  }

  /** The function's asynchronous self-invocation (docs/long-waits.md) meets the same answer in both. */
  @Test
  void anAsynchronousInvokeIsAnsweredAsTheStandInAnswersIt() {
    byte[] payload = sample("test-notification.json");
    InvokeResponse fromLocalStack = invokeAsynchronously(lambda, payload);

    InvokeResponse fromStandIn;
    try (AwsStandIn standIn = AwsStandIn.start(Clock.SYSTEM);
         LambdaClient client = lambdaAt(standIn.endpoint())) {
      standIn.lambda().function(FUNCTION, received -> new byte[0]);
      fromStandIn = invokeAsynchronously(client, payload);
    }

    assertEquals(202, fromLocalStack.statusCode());
    assertEquals(fromLocalStack.statusCode(), fromStandIn.statusCode());
    assertEquals(fromLocalStack.payload().asUtf8String(), fromStandIn.payload().asUtf8String());
    assertEquals(fromLocalStack.functionError(), fromStandIn.functionError());
  }

  private static byte[] sample(String event) {
    try {
      return Files.readAllBytes(Path.of("events", event));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InvokeResponse invokeAsynchronously(LambdaClient client, byte[] payload) {
    return client.invoke(request -> request.functionName(FUNCTION).invocationType(InvocationType.EVENT)
        .payload(SdkBytes.fromByteArray(payload)));
  }

  /** A client of this test's own, so its endpoint is given outright; the function's code never does that. */
  private static LambdaClient lambdaAt(URI endpoint) {
    return LambdaClient.builder()
        .endpointOverride(endpoint)
        .region(Region.of(LOCALSTACK.getRegion()))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClient(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofMinutes(5)).build())
        .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(Duration.ofMinutes(5)).build())
        .build();
  }
}

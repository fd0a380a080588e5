%% supervisor_bench — the Erlang twin of bench/supervisor_bench.cpp: supervisor restart latency and
%% restart rate, with the same cases, counts and measurement.
%%
%%   sup_restart_kill_{quiet,logged}       a permanent worker under one_for_one is killed; time from
%%                                         exit(Pid, kill) until the restarted worker answers a call.
%%   sup_restart_exception_{quiet,logged}  the same, the worker crashing with an exception in
%%                                         handle_call; time from the call until the new one answers.
%%   sup_restart_burst_1k_{quiet,logged}   1000 workers of a simple_one_for_one are killed at once;
%%                                         time until all 1000 have restarted (restarts/s).
%% Every restarted worker announces itself ({started, Pid} to the bench process) from init. "quiet"
%% sets the logger's primary level to none; "logged" keeps the default primary level (notice), so
%% crash and supervisor reports are written by the default handler and progress reports are not.
%% Latency cases report the median sample (us) of each batch; a case prints the median over the
%% repetitions.
%%
%% Run: erl -noshell +S 2 -pa DIR -eval 'supervisor_bench:run(), halt().'
%% Output: one line per case, tab-separated: Case, median Value, Unit, Count, coefficient of variation.
-module(supervisor_bench).

-export([run/0, run/1, run/2, start_worker/1]).
-export([init/1, handle_call/3, handle_cast/2]).

-define(REPETITIONS, 5).

cases() ->
    [{sup_restart_kill_quiet, 2000}, {sup_restart_kill_logged, 2000},
     {sup_restart_exception_quiet, 2000}, {sup_restart_exception_logged, 2000},
     {sup_restart_burst_1k_quiet, 1000}, {sup_restart_burst_1k_logged, 1000}].

run() -> run([Case || {Case, _} <- cases()]).

run(Cases) -> run(Cases, ?REPETITIONS).

run(Cases, Repetitions) ->
    lists:foreach(fun(Case) -> run_case(Case, proplists:get_value(Case, cases()), Repetitions) end, Cases).

run_case(Case, Count, Repetitions) ->
    Logged = lists:suffix("_logged", atom_to_list(Case)),
    {ok, #{level := Saved}} = {ok, logger:get_primary_config()},
    logger:set_primary_config(level, case Logged of true -> notice; false -> none end),
    Values = [in_process(fun() -> batch(Case, Count) end) || _ <- lists:seq(1, Repetitions)],
    logger:set_primary_config(level, Saved),
    Unit = case lists:prefix("sup_restart_burst", atom_to_list(Case)) of
               true -> "items/s";
               false -> "us"
           end,
    report(Case, Values, Unit, Count).

batch(sup_restart_kill_quiet, N) -> latency(N, kill);
batch(sup_restart_kill_logged, N) -> latency(N, kill);
batch(sup_restart_exception_quiet, N) -> latency(N, exception);
batch(sup_restart_exception_logged, N) -> latency(N, exception);
batch(sup_restart_burst_1k_quiet, N) -> burst(N);
batch(sup_restart_burst_1k_logged, N) -> burst(N).

%% --- supervisor and worker callbacks -------------------------------------------------------------

init({supervisor, Strategy, Observer}) ->
    Flags = #{strategy => Strategy, intensity => 1000000000, period => 1},
    Spec = #{id => worker, start => {?MODULE, start_worker, [Observer]}},
    {ok, {Flags, [Spec]}};
init({worker, Observer}) ->
    Observer ! {started, self()},
    {ok, 0}.

start_worker(Observer) -> gen_server:start_link(?MODULE, {worker, Observer}, []).

handle_call(crash, _From, _State) -> erlang:error(crash);
handle_call(_Request, _From, State) -> {reply, State, State}.

handle_cast(_Request, State) -> {noreply, State}.

%% --- the cases -----------------------------------------------------------------------------------

await_started() ->
    receive {started, Pid} -> Pid end.

%% Median restart latency (us) over N restarts, after N div 10 untimed ones.
latency(N, How) ->
    process_flag(trap_exit, true),
    {ok, Sup} = supervisor:start_link(?MODULE, {supervisor, one_for_one, self()}),
    Worker0 = await_started(),
    One = fun(Worker) ->
                  case How of
                      kill -> exit(Worker, kill);
                      exception -> catch gen_server:call(Worker, crash)
                  end,
                  New = await_started(),
                  _ = gen_server:call(New, ping),
                  New
          end,
    Worker1 = lists:foldl(fun(_, W) -> One(W) end, Worker0, lists:seq(1, N div 10)),
    {_, Samples} = lists:foldl(fun(_, {W, Acc}) ->
                                       T0 = erlang:monotonic_time(),
                                       W2 = One(W),
                                       T1 = erlang:monotonic_time(),
                                       {W2, [erlang:convert_time_unit(T1 - T0, native, nanosecond) / 1000 | Acc]}
                               end, {Worker1, []}, lists:seq(1, N)),
    stop(Sup),
    median(Samples).

%% Restarts per second for N simple_one_for_one workers killed at once.
burst(N) ->
    process_flag(trap_exit, true),
    {ok, Sup} = supervisor:start_link(?MODULE, {supervisor, simple_one_for_one, self()}),
    Workers = [begin {ok, _} = supervisor:start_child(Sup, []), await_started() end || _ <- lists:seq(1, N)],
    Start = erlang:monotonic_time(),
    [exit(W, kill) || W <- Workers],
    [await_started() || _ <- Workers],
    Seconds = erlang:convert_time_unit(erlang:monotonic_time() - Start, native, nanosecond) / 1.0e9,
    stop(Sup),
    N / Seconds.

stop(Sup) ->
    unlink(Sup),
    Ref = monitor(process, Sup),
    exit(Sup, shutdown),
    receive {'DOWN', Ref, process, Sup, _} -> ok end.

%% --- helpers (as otp_bench.erl's) ----------------------------------------------------------------

in_process(Fun) ->
    Parent = self(),
    {Pid, Ref} = spawn_monitor(fun() -> Parent ! {self(), Fun()} end),
    receive
        {Pid, Result} -> receive {'DOWN', Ref, process, Pid, _} -> Result end;
        {'DOWN', Ref, process, Pid, Reason} -> error({case_failed, Reason})
    end.

median(Values) ->
    Sorted = lists:sort(Values),
    lists:nth(length(Sorted) div 2 + 1, Sorted).

report(Case, Values, Unit, Count) ->
    Mean = lists:sum(Values) / length(Values),
    Var = lists:sum([(V - Mean) * (V - Mean) || V <- Values]) / length(Values),
    Cv = case Mean of 0.0 -> 0.0; _ -> math:sqrt(Var) / Mean end,
    io:format("~s\t~.6f\t~s\t~w\t~.4f~n", [Case, median(Values) * 1.0, Unit, Count, Cv]).

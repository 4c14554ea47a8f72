<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
<context>
    <name>AdminWindow</name>
    <message>
        <source>Log in as an administrator to open the settings.</source>
        <translation>Чтобы открыть настройки, войдите как администратор.</translation>
    </message>
    <message>
        <source>&amp;Scanners</source>
        <translation>&amp;Сканеры</translation>
    </message>
    <message>
        <source>Se&amp;rver</source>
        <translation>Се&amp;рвер</translation>
    </message>
    <message>
        <source>S&amp;tation</source>
        <translation>С&amp;танция</translation>
    </message>
    <message>
        <source>&amp;Operators</source>
        <translation>&amp;Операторы</translation>
    </message>
    <message>
        <source>&amp;Audit</source>
        <translation>&amp;Журнал</translation>
    </message>
    <message>
        <source>Settings of station %1</source>
        <translation>Настройки станции %1</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>Со&amp;хранить</translation>
    </message>
    <message>
        <source>Write the changes to %1 (Ctrl+S)</source>
        <translation>Записать изменения в %1 (Ctrl+S)</translation>
    </message>
    <message>
        <source>Re&amp;vert</source>
        <translation>&amp;Вернуть</translation>
    </message>
    <message>
        <source>Show the values of the file again, dropping the changes</source>
        <translation>Снова показать значения из файла, изменения отбросить</translation>
    </message>
    <message>
        <source>Nothing was saved: correct the settings marked in red.</source>
        <translation>Ничего не сохранено: исправьте настройки, отмеченные красным.</translation>
    </message>
    <message>
        <source>Nothing was saved: nobody is logged in.</source>
        <translation>Ничего не сохранено: никто не вошёл.</translation>
    </message>
    <message>
        <source>Saving ...</source>
        <translation>Сохранение ...</translation>
    </message>
    <message>
        <source>Saved, but not applied now (%1): restart the station.</source>
        <translation>Сохранено, но сейчас не применено (%1): перезапустите станцию.</translation>
    </message>
    <message>
        <source>Nothing was saved: %1</source>
        <translation>Ничего не сохранено: %1</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Сохранено.</translation>
    </message>
    <message>
        <source>Applied now: %1.</source>
        <translation>Применено сразу: %1.</translation>
    </message>
    <message>
        <source>After a restart of the station: %1.</source>
        <translation>После перезапуска станции: %1.</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
</context>
<context>
    <name>AuditView</name>
    <message>
        <source>logged in</source>
        <translation>вход</translation>
    </message>
    <message>
        <source>log-in failed</source>
        <translation>неудачный вход</translation>
    </message>
    <message>
        <source>locked out</source>
        <translation>блокировка</translation>
    </message>
    <message>
        <source>logged out</source>
        <translation>выход</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>отказано</translation>
    </message>
    <message>
        <source>operator added</source>
        <translation>оператор добавлен</translation>
    </message>
    <message>
        <source>operator changed</source>
        <translation>оператор изменён</translation>
    </message>
    <message>
        <source>PIN set</source>
        <translation>PIN задан</translation>
    </message>
    <message>
        <source>operator unlocked</source>
        <translation>оператор разблокирован</translation>
    </message>
    <message>
        <source>badge issued</source>
        <translation>пропуск выдан</translation>
    </message>
    <message>
        <source>badge revoked</source>
        <translation>пропуск отозван</translation>
    </message>
    <message>
        <source>settings changed</source>
        <translation>настройки изменены</translation>
    </message>
    <message>
        <source>scan undone</source>
        <translation>скан отменён</translation>
    </message>
    <message>
        <source>scan corrected</source>
        <translation>скан исправлен</translation>
    </message>
    <message>
        <source>exception resolved</source>
        <translation>исключение решено</translation>
    </message>
    <message>
        <source>resolution undone</source>
        <translation>решение отменено</translation>
    </message>
    <message>
        <source>exported</source>
        <translation>экспорт</translation>
    </message>
    <message>
        <source>badge and PIN</source>
        <translation>пропуск и PIN</translation>
    </message>
    <message>
        <source>badge</source>
        <translation>пропуск</translation>
    </message>
    <message>
        <source>badge: not valid</source>
        <translation>пропуск: недействителен</translation>
    </message>
    <message>
        <source>token changed</source>
        <translation>токен изменён</translation>
    </message>
    <message>
        <source>needs a restart</source>
        <translation>нужен перезапуск</translation>
    </message>
    <message>
        <source>%1: wrong PIN (%2 in a row)</source>
        <translation>%1: неверный PIN (%2 подряд)</translation>
    </message>
    <message>
        <source>%1: no such operator</source>
        <translation>%1: нет такого оператора</translation>
    </message>
    <message>
        <source>%1: deactivated</source>
        <translation>%1: оператор отключён</translation>
    </message>
    <message>
        <source>badge of %1 scanned</source>
        <translation>отсканирован пропуск %1</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Когда</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>Станция</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>Кто</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Роль</translation>
    </message>
    <message>
        <source>What</source>
        <translation>Что</translation>
    </message>
    <message>
        <source>On what</source>
        <translation>Над чем</translation>
    </message>
    <message>
        <source>Before → after</source>
        <translation>До → после</translation>
    </message>
    <message>
        <source>Detail</source>
        <translation>Подробности</translation>
    </message>
    <message>
        <source>Export the audit trail</source>
        <translation>Экспорт журнала аудита</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>Файлы CSV (*.csv)</translation>
    </message>
    <message>
        <source>Audit trail of station %1</source>
        <translation>Журнал аудита станции %1</translation>
    </message>
    <message>
        <source>&amp;Operator</source>
        <translation>&amp;Оператор</translation>
    </message>
    <message>
        <source>&amp;What</source>
        <translation>&amp;Что</translation>
    </message>
    <message>
        <source>&amp;From</source>
        <translation>&amp;С</translation>
    </message>
    <message>
        <source>&amp;To</source>
        <translation>&amp;По</translation>
    </message>
    <message>
        <source>On w&amp;hat</source>
        <translation>&amp;Над чем</translation>
    </message>
    <message>
        <source>At &amp;most</source>
        <translation>&amp;Не более</translation>
    </message>
    <message>
        <source>log-in name: who acted or was acted on</source>
        <translation>имя для входа: кто действовал или над кем</translation>
    </message>
    <message>
        <source>The exact log-in name; Enter reads the trail again</source>
        <translation>Точное имя для входа; Enter читает журнал заново</translation>
    </message>
    <message>
        <source>part of a name, setting, scan id or file</source>
        <translation>часть имени, настройки, id скана или файла</translation>
    </message>
    <message>
        <source>any day</source>
        <translation>любой день</translation>
    </message>
    <message>
        <source>anything</source>
        <translation>всё</translation>
    </message>
    <message>
        <source>&amp;Read again</source>
        <translation>&amp;Обновить</translation>
    </message>
    <message>
        <source>&amp;Export CSV…</source>
        <translation>&amp;Экспорт CSV…</translation>
    </message>
    <message>
        <source>Write the entries the filters select to a CSV file (audited)</source>
        <translation>Записать выбранные фильтрами записи в файл CSV (попадает в аудит)</translation>
    </message>
    <message>
        <source>Log in as a supervisor or administrator to read the audit trail.</source>
        <translation>Войдите как супервайзер или администратор, чтобы читать журнал аудита.</translation>
    </message>
    <message>
        <source>Showing the newest %1 entries: narrow the filters to see older ones.</source>
        <translation>Показаны %1 самых новых записей: сузьте фильтры, чтобы увидеть более старые.</translation>
    </message>
    <message>
        <source>%1 entries, newest first.</source>
        <translation>Записей: %1, новые сверху.</translation>
    </message>
    <message>
        <source>No entries match the filters.</source>
        <translation>Нет записей, подходящих под фильтры.</translation>
    </message>
    <message>
        <source>Select an entry to read it whole.</source>
        <translation>Выберите запись, чтобы прочитать её целиком.</translation>
    </message>
    <message>
        <source>On what: %1</source>
        <translation>Над чем: %1</translation>
    </message>
    <message>
        <source>Before → after: %1</source>
        <translation>До → после: %1</translation>
    </message>
    <message>
        <source>Detail: %1</source>
        <translation>Подробности: %1</translation>
    </message>
    <message>
        <source>Log in as a supervisor or administrator to export the audit trail.</source>
        <translation>Войдите как супервайзер или администратор, чтобы экспортировать журнал аудита.</translation>
    </message>
    <message>
        <source>%1 entries exported to %2.</source>
        <translation>Записей выгружено: %1, в файл %2.</translation>
    </message>
    <message>
        <source>Nothing was exported: %1</source>
        <translation>Ничего не выгружено: %1</translation>
    </message>
    <message>
        <source>Audit trail</source>
        <translation>Журнал аудита</translation>
    </message>
    <message>
        <source>photo added</source>
        <translation>фото добавлено</translation>
    </message>
    <message>
        <source>photo removed</source>
        <translation>фото удалено</translation>
    </message>
</context>
<context>
    <name>BadgeDialog</name>
    <message>
        <source>A new badge for %1</source>
        <translation>Новый пропуск для %1</translation>
    </message>
    <message>
        <source>This badge is shown only now: print it or save it as PDF before closing. Any earlier badge of %1 no longer logs in.</source>
        <translation>Этот пропуск показывается только сейчас: напечатайте его или сохраните в PDF, прежде чем закрыть. Прежний пропуск %1 больше не действует.</translation>
    </message>
    <message>
        <source>&amp;Print…</source>
        <translation>&amp;Печать…</translation>
    </message>
    <message>
        <source>Save as P&amp;DF…</source>
        <translation>Сохранить в P&amp;DF…</translation>
    </message>
    <message>
        <source>&amp;Close</source>
        <translation>&amp;Закрыть</translation>
    </message>
</context>
<context>
    <name>BadgePrinter</name>
    <message>
        <source>Save the badge as PDF</source>
        <translation>Сохранить пропуск в PDF</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>Файлы PDF (*.pdf)</translation>
    </message>
    <message>
        <source>Print the badge</source>
        <translation>Печать пропуска</translation>
    </message>
    <message>
        <source>The badge was sent to %1.</source>
        <translation>Пропуск отправлен на %1.</translation>
    </message>
    <message>
        <source>The badge was saved to %1.</source>
        <translation>Пропуск сохранён в %1.</translation>
    </message>
</context>
<context>
    <name>Buttons</name>
    <message>
        <source>&amp;Save</source>
        <translation>Со&amp;хранить</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>&amp;Close</source>
        <translation>&amp;Закрыть</translation>
    </message>
    <message>
        <source>&amp;Yes</source>
        <translation>&amp;Да</translation>
    </message>
    <message>
        <source>&amp;No</source>
        <translation>&amp;Нет</translation>
    </message>
</context>
<context>
    <name>DemoPanel</name>
    <message>
        <source>UPS 1Z · services</source>
        <translation>UPS 1Z · услуги</translation>
    </message>
    <message>
        <source>FedEx 34-digit barcode</source>
        <translation>FedEx, 34-значный штрихкод</translation>
    </message>
    <message>
        <source>USPS IMpb 420+ZIP</source>
        <translation>USPS IMpb 420+ZIP</translation>
    </message>
    <message>
        <source>Amazon TBA</source>
        <translation>Amazon TBA</translation>
    </message>
    <message>
        <source>Split order · parcel 1 of 3</source>
        <translation>Разделённый заказ · посылка 1 из 3</translation>
    </message>
    <message>
        <source>Split order · parcel 2 of 3</source>
        <translation>Разделённый заказ · посылка 2 из 3</translation>
    </message>
    <message>
        <source>Two customers typed this number</source>
        <translation>Этот номер ввели два клиента</translation>
    </message>
    <message>
        <source>Already shipped to the customer</source>
        <translation>Уже отправлена клиенту</translation>
    </message>
    <message>
        <source>Nobody registered this</source>
        <translation>Никто не зарегистрировал</translation>
    </message>
    <message>
        <source>Not a tracking number</source>
        <translation>Не трек-номер</translation>
    </message>
    <message>
        <source>Click a label to scan it (the same path as a hardware scanner), or point a keyboard-wedge scanner at the screen.</source>
        <translation>Щёлкните этикетку, чтобы «отсканировать» её (тот же путь, что у сканера), или наведите на экран сканер-клавиатуру.</translation>
    </message>
    <message>
        <source>Demo labels</source>
        <translation>Демо-этикетки</translation>
    </message>
</context>
<context>
    <name>LiveView</name>
    <message>
        <source>bytes: what came from the port, as it came; read: one scan as the station frames it; → what the station makes of it. &lt;CR&gt;, &lt;GS&gt; ... are control characters.</source>
        <translation>байты: что пришло из порта, как пришло; скан: одно сканирование, как его выделила станция; → что станция в нём видит. &lt;CR&gt;, &lt;GS&gt; ... — управляющие символы.</translation>
    </message>
    <message>
        <source>C&amp;lear</source>
        <translation>О&amp;чистить</translation>
    </message>
    <message>
        <source>&amp;Close</source>
        <translation>&amp;Закрыть</translation>
    </message>
    <message>
        <source>bytes</source>
        <translation>байты</translation>
    </message>
    <message>
        <source>read</source>
        <translation>скан</translation>
    </message>
    <message>
        <source>keys</source>
        <translation>клав.</translation>
    </message>
    <message>
        <source>timing: %1</source>
        <translation>интервалы: %1</translation>
    </message>
    <message>
        <source>taken for a scanner: %1</source>
        <translation>принято за сканер: %1</translation>
    </message>
    <message>
        <source>not a scanner: %1</source>
        <translation>не сканер: %1</translation>
    </message>
    <message>
        <source>Live view of %1</source>
        <translation>Живой просмотр: %1</translation>
    </message>
    <message>
        <source>Scanner %1 is running: the view listens in on it, and its scans are still received as usual.</source>
        <translation>Сканер %1 работает: просмотр только слушает, его сканы принимаются как обычно.</translation>
    </message>
    <message>
        <source>%1 is opened for this view only: what it reads is shown here and never received as a parcel.</source>
        <translation>%1 открыт только для этого просмотра: прочитанное показывается здесь и никогда не принимается как посылка.</translation>
    </message>
    <message>
        <source>Keyboard-wedge scanner %1: scan into any window of the station; each burst of keys is shown with its timing and whether the station took it for a scanner (scans are still received).</source>
        <translation>Сканер-клавиатура %1: сканируйте в любое окно станции; каждая серия клавиш показана с интервалами и с тем, приняла ли её станция за сканер (сканы по-прежнему принимаются).</translation>
    </message>
</context>
<context>
    <name>OperatorDialog</name>
    <message>
        <source>Log-in &amp;name</source>
        <translation>&amp;Имя для входа</translation>
    </message>
    <message>
        <source>as the screens show them; empty: the log-in name</source>
        <translation>как его показывают экраны; пусто: имя для входа</translation>
    </message>
    <message>
        <source>&amp;Display name</source>
        <translation>&amp;Отображаемое имя</translation>
    </message>
    <message>
        <source>&amp;Role</source>
        <translation>&amp;Роль</translation>
    </message>
    <message>
        <source>&amp;PIN</source>
        <translation>&amp;PIN</translation>
    </message>
    <message>
        <source>PIN &amp;again</source>
        <translation>PIN &amp;ещё раз</translation>
    </message>
    <message>
        <source>Type the name the operator logs in with.</source>
        <translation>Введите имя, с которым оператор входит.</translation>
    </message>
    <message>
        <source>The two PINs differ: type the same PIN twice.</source>
        <translation>PIN-коды различаются: введите один и тот же PIN дважды.</translation>
    </message>
</context>
<context>
    <name>OperatorsTab</name>
    <message>
        <source>clerk</source>
        <translation>приёмщик</translation>
    </message>
    <message>
        <source>supervisor</source>
        <translation>супервайзер</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>администратор</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Имя</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>Отображаемое имя</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Роль</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Активен</translation>
    </message>
    <message>
        <source>Locked until</source>
        <translation>Заблокирован до</translation>
    </message>
    <message>
        <source>Wrong PINs</source>
        <translation>Неверных PIN</translation>
    </message>
    <message>
        <source>Badge issued</source>
        <translation>Пропуск выдан</translation>
    </message>
    <message>
        <source>Last log-in</source>
        <translation>Последний вход</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>да</translation>
    </message>
    <message>
        <source>no</source>
        <translation>нет</translation>
    </message>
    <message>
        <source>&amp;Add…</source>
        <translation>&amp;Добавить…</translation>
    </message>
    <message>
        <source>A new operator: name, display name, role and PIN</source>
        <translation>Новый оператор: имя, отображаемое имя, роль и PIN</translation>
    </message>
    <message>
        <source>Set &amp;PIN…</source>
        <translation>Задать &amp;PIN…</translation>
    </message>
    <message>
        <source>Give the selected operator a new PIN</source>
        <translation>Задать выбранному оператору новый PIN</translation>
    </message>
    <message>
        <source>Set &amp;role…</source>
        <translation>Задать &amp;роль…</translation>
    </message>
    <message>
        <source>Make the selected operator a clerk, supervisor or admin</source>
        <translation>Сделать выбранного оператора приёмщиком, супервайзером или администратором</translation>
    </message>
    <message>
        <source>&amp;Deactivate</source>
        <translation>&amp;Отключить</translation>
    </message>
    <message>
        <source>The selected operator can no longer log in</source>
        <translation>Выбранный оператор больше не сможет войти</translation>
    </message>
    <message>
        <source>Ac&amp;tivate</source>
        <translation>&amp;Включить</translation>
    </message>
    <message>
        <source>Let a deactivated operator log in again</source>
        <translation>Снова разрешить вход отключённому оператору</translation>
    </message>
    <message>
        <source>&amp;Unlock</source>
        <translation>&amp;Разблокировать</translation>
    </message>
    <message>
        <source>Lift a lock-out after wrong PINs</source>
        <translation>Снять блокировку после неверных PIN</translation>
    </message>
    <message>
        <source>Print &amp;badge…</source>
        <translation>Печать &amp;пропуска…</translation>
    </message>
    <message>
        <source>Issue a new log-in badge and print it or save it as PDF</source>
        <translation>Выдать новый пропуск для входа и напечатать его или сохранить в PDF</translation>
    </message>
    <message>
        <source>Re&amp;voke badge</source>
        <translation>&amp;Отозвать пропуск</translation>
    </message>
    <message>
        <source>The selected operator&apos;s badge no longer logs in</source>
        <translation>Пропуск выбранного оператора больше не действует</translation>
    </message>
    <message>
        <source>Show &amp;inactive operators</source>
        <translation>Показать &amp;отключённых</translation>
    </message>
    <message>
        <source>Select an operator to change them.</source>
        <translation>Выберите оператора, чтобы изменить его.</translation>
    </message>
    <message>
        <source>Selected: %1 (%2)</source>
        <translation>Выбран: %1 (%2)</translation>
    </message>
    <message>
        <source>Log in as an administrator to manage operators.</source>
        <translation>Войдите как администратор, чтобы управлять операторами.</translation>
    </message>
    <message>
        <source>Operators</source>
        <translation>Операторы</translation>
    </message>
    <message>
        <source>%1 was added as %2.</source>
        <translation>%1 добавлен, роль: %2.</translation>
    </message>
    <message>
        <source>Add an operator</source>
        <translation>Добавить оператора</translation>
    </message>
    <message>
        <source>%1 has a new PIN.</source>
        <translation>У %1 новый PIN.</translation>
    </message>
    <message>
        <source>A new PIN for %1</source>
        <translation>Новый PIN для %1</translation>
    </message>
    <message>
        <source>%1 is now %2.</source>
        <translation>%1 теперь: %2.</translation>
    </message>
    <message>
        <source>The role of %1</source>
        <translation>Роль %1</translation>
    </message>
    <message>
        <source>Deactivate %1? They can no longer log in; their scans keep their name.</source>
        <translation>Отключить %1? Оператор больше не сможет войти; его сканы сохранят его имя.</translation>
    </message>
    <message>
        <source>Deactivate</source>
        <translation>Отключить</translation>
    </message>
    <message>
        <source>%1 can no longer log in.</source>
        <translation>%1 больше не может войти.</translation>
    </message>
    <message>
        <source>%1 can log in again.</source>
        <translation>%1 снова может войти.</translation>
    </message>
    <message>
        <source>%1 is unlocked and may try their PIN again.</source>
        <translation>%1 разблокирован и может снова ввести PIN.</translation>
    </message>
    <message>
        <source>%1 has a badge already. Issue a new one? The old badge stops logging in.</source>
        <translation>У %1 уже есть пропуск. Выдать новый? Старый пропуск перестанет действовать.</translation>
    </message>
    <message>
        <source>Issue a new badge</source>
        <translation>Выдать новый пропуск</translation>
    </message>
    <message>
        <source>A new badge was issued for %1: print it now.</source>
        <translation>Для %1 выдан новый пропуск: напечатайте его сейчас.</translation>
    </message>
    <message>
        <source>Revoke the badge of %1? It no longer logs in; a new one can be printed.</source>
        <translation>Отозвать пропуск %1? Он перестанет действовать; новый можно напечатать.</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>Отозвать</translation>
    </message>
    <message>
        <source>The badge of %1 no longer logs in.</source>
        <translation>Пропуск %1 больше не действует.</translation>
    </message>
</context>
<context>
    <name>ParcelView</name>
    <message>
        <source>When</source>
        <translation>Когда</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Итог</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>Кто</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>Станция</translation>
    </message>
    <message>
        <source>Scanner</source>
        <translation>Сканер</translation>
    </message>
    <message>
        <source>Typed</source>
        <translation>Вручную</translation>
    </message>
    <message>
        <source>Undone</source>
        <translation>Отменён</translation>
    </message>
    <message>
        <source>Raw scan</source>
        <translation>Скан как есть</translation>
    </message>
    <message>
        <source>Resolution</source>
        <translation>Решение</translation>
    </message>
    <message>
        <source>Registration</source>
        <translation>Регистрация</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Заметка</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>Почему</translation>
    </message>
    <message>
        <source>Suite</source>
        <translation>Ячейка</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>Клиент</translation>
    </message>
    <message>
        <source>Registered number</source>
        <translation>Номер в регистрации</translation>
    </message>
    <message>
        <source>Store</source>
        <translation>Магазин</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>Заказ</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Статус</translation>
    </message>
    <message>
        <source>returned to sender</source>
        <translation>возвращена отправителю</translation>
    </message>
    <message>
        <source>disposed of</source>
        <translation>утилизирована</translation>
    </message>
    <message>
        <source>other (say in the note)</source>
        <translation>другое (скажите в заметке)</translation>
    </message>
    <message>
        <source>Match keys</source>
        <translation>Ключи сопоставления</translation>
    </message>
    <message>
        <source>Carrier</source>
        <translation>Перевозчик</translation>
    </message>
    <message>
        <source>First seen</source>
        <translation>Впервые</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation>Последний раз</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Заметки</translation>
    </message>
    <message>
        <source>Open the registration&apos;s page</source>
        <translation>Открыть страницу регистрации</translation>
    </message>
    <message>
        <source>Every scan of it</source>
        <translation>Все её сканы</translation>
    </message>
    <message>
        <source>Photos</source>
        <translation>Фото</translation>
    </message>
    <message>
        <source>Resolutions</source>
        <translation>Решения</translation>
    </message>
    <message>
        <source>Suggestions, best first</source>
        <translation>Подсказки, лучшие сверху</translation>
    </message>
    <message>
        <source>&amp;This is it</source>
        <translation>&amp;Это она</translation>
    </message>
    <message>
        <source>Receive the parcel as the selected registration&apos;s</source>
        <translation>Принять посылку как посылку выбранной регистрации</translation>
    </message>
    <message>
        <source>Registrations sharing this number: pick the customer</source>
        <translation>Регистрации с этим номером: выберите клиента</translation>
    </message>
    <message>
        <source>&amp;Pick this customer</source>
        <translation>&amp;Выбрать этого клиента</translation>
    </message>
    <message>
        <source>Find the right registration</source>
        <translation>Найти верную регистрацию</translation>
    </message>
    <message>
        <source>&amp;Match to the registration found</source>
        <translation>&amp;Сопоставить с найденной регистрацией</translation>
    </message>
    <message>
        <source>&amp;Correct the selected scan to it</source>
        <translation>&amp;Исправить выбранный скан на неё</translation>
    </message>
    <message>
        <source>The selected matched scan was another parcel: revert it and receive the one found</source>
        <translation>Выбранный скан был другой посылкой: отменить его и принять найденную</translation>
    </message>
    <message>
        <source>Resolve</source>
        <translation>Решить</translation>
    </message>
    <message>
        <source>&amp;Note</source>
        <translation>&amp;Заметка</translation>
    </message>
    <message>
        <source>what was done and why (needed to close, acknowledge or dismiss)</source>
        <translation>что сделано и почему (нужна, чтобы закрыть, подтвердить или снять)</translation>
    </message>
    <message>
        <source>C&amp;lose the unknown parcel</source>
        <translation>&amp;Закрыть неизвестную посылку</translation>
    </message>
    <message>
        <source>&amp;Acknowledge</source>
        <translation>&amp;Подтвердить</translation>
    </message>
    <message>
        <source>Send &amp;again</source>
        <translation>Отправить с&amp;нова</translation>
    </message>
    <message>
        <source>Queue the rejected event again once the cause is fixed</source>
        <translation>Поставить отклонённое событие в очередь снова, когда причина устранена</translation>
    </message>
    <message>
        <source>&amp;Dismiss</source>
        <translation>Сн&amp;ять</translation>
    </message>
    <message>
        <source>Log in as a supervisor to read a parcel&apos;s page.</source>
        <translation>Войдите как старший смены, чтобы открыть страницу посылки.</translation>
    </message>
    <message>
        <source>Open an exception from the queue, search, or scan a parcel here.</source>
        <translation>Откройте исключение из очереди, найдите или отсканируйте посылку здесь.</translation>
    </message>
    <message>
        <source>Nothing known of %1: never scanned here, and no registration has it.</source>
        <translation>О %1 ничего не известно: здесь не сканировалась, и ни в одной регистрации её нет.</translation>
    </message>
    <message>
        <source>open</source>
        <translation>открыто</translation>
    </message>
    <message>
        <source>resolved</source>
        <translation>решено</translation>
    </message>
    <message>
        <source>deleted by the customer</source>
        <translation>удалена клиентом</translation>
    </message>
    <message>
        <source>typed: %1</source>
        <translation>введено: %1</translation>
    </message>
    <message>
        <source>Write in the note what was done and why first.</source>
        <translation>Сначала напишите в заметке, что сделано и почему.</translation>
    </message>
    <message>
        <source>Undone: nothing of it was sent.</source>
        <translation>Отменено: ничего из этого не отправлено.</translation>
    </message>
    <message>
        <source>Done: %1.</source>
        <translation>Сделано: %1.</translation>
    </message>
    <message>
        <source>Not done: %1</source>
        <translation>Не сделано: %1</translation>
    </message>
    <message>
        <source>&amp;Undo %1 (%2 s)</source>
        <translation>&amp;Отменить: %1 (%2 с)</translation>
    </message>
</context>
<context>
    <name>PhotoDialog</name>
    <message>
        <source>Done</source>
        <translation>Готово</translation>
    </message>
</context>
<context>
    <name>PhotoStrip</name>
    <message>
        <source>the camera did not get ready</source>
        <translation>камера не приготовилась</translation>
    </message>
    <message>
        <source>Attach file…</source>
        <translation>Приложить файл…</translation>
    </message>
    <message>
        <source>Take photo: no camera</source>
        <translation>Снять фото: камеры нет</translation>
    </message>
    <message>
        <source>No camera is connected to this computer; attach a file instead.</source>
        <translation>К этому компьютеру не подключена камера; приложите файл.</translation>
    </message>
    <message>
        <source>Taking the photo…</source>
        <translation>Снимаю фото…</translation>
    </message>
    <message>
        <source>Take photo</source>
        <translation>Снять фото</translation>
    </message>
    <message>
        <source>(file missing)</source>
        <translation>(файла нет)</translation>
    </message>
    <message>
        <source>Attach photos</source>
        <translation>Приложить фото</translation>
    </message>
    <message>
        <source>Images (%1)</source>
        <translation>Изображения (%1)</translation>
    </message>
    <message>
        <source>Attaching…</source>
        <translation>Прикладываю…</translation>
    </message>
    <message>
        <source>The camera failed: %1</source>
        <translation>Ошибка камеры: %1</translation>
    </message>
    <message>
        <source>The camera gave no picture</source>
        <translation>Камера не дала снимка</translation>
    </message>
</context>
<context>
    <name>PhotoView</name>
    <message>
        <source>Photo of %1</source>
        <translation>Фото: %1</translation>
    </message>
    <message>
        <source>Remove this photo</source>
        <translation>Удалить это фото</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Закрыть</translation>
    </message>
    <message>
        <source>The photo&apos;s file cannot be read.</source>
        <translation>Файл фото не читается.</translation>
    </message>
</context>
<context>
    <name>QueueView</name>
    <message>
        <source>Opened</source>
        <translation>Открыто</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Вид</translation>
    </message>
    <message>
        <source>Tracking number</source>
        <translation>Трек-номер</translation>
    </message>
    <message>
        <source>Carrier</source>
        <translation>Перевозчик</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>Станция</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Оператор</translation>
    </message>
    <message>
        <source>What</source>
        <translation>Что</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>open</source>
        <translation>открыто</translation>
    </message>
    <message>
        <source>resolved</source>
        <translation>решено</translation>
    </message>
    <message>
        <source>&amp;Show</source>
        <translation>&amp;Показать</translation>
    </message>
    <message>
        <source>&amp;From</source>
        <translation>&amp;С</translation>
    </message>
    <message>
        <source>&amp;To</source>
        <translation>&amp;По</translation>
    </message>
    <message>
        <source>&amp;Carrier</source>
        <translation>Пе&amp;ревозчик</translation>
    </message>
    <message>
        <source>St&amp;ation</source>
        <translation>Ст&amp;анция</translation>
    </message>
    <message>
        <source>O&amp;perator</source>
        <translation>Оп&amp;ератор</translation>
    </message>
    <message>
        <source>open only</source>
        <translation>только открытые</translation>
    </message>
    <message>
        <source>open and resolved</source>
        <translation>открытые и решённые</translation>
    </message>
    <message>
        <source>any day</source>
        <translation>любой день</translation>
    </message>
    <message>
        <source>ups, fedex, usps…</source>
        <translation>ups, fedex, usps…</translation>
    </message>
    <message>
        <source>station id</source>
        <translation>id станции</translation>
    </message>
    <message>
        <source>log-in name</source>
        <translation>имя для входа</translation>
    </message>
    <message>
        <source>&amp;Read again</source>
        <translation>&amp;Обновить</translation>
    </message>
    <message>
        <source>Open the parcel&apos;s &amp;page</source>
        <translation>Открыть &amp;страницу посылки</translation>
    </message>
    <message>
        <source>Everything (%1)</source>
        <translation>Всё (%1)</translation>
    </message>
    <message>
        <source>Showing the oldest %1: narrow the filters to see the rest.</source>
        <translation>Показаны %1 самых старых: сузьте фильтры, чтобы увидеть остальные.</translation>
    </message>
    <message>
        <source>%1 exceptions, oldest first. Enter or double-click opens one.</source>
        <translation>Исключений: %1, старые сверху. Enter или двойной щелчок открывает.</translation>
    </message>
    <message>
        <source>Nothing waits for a supervisor here.</source>
        <translation>Здесь ничего не ждёт старшего смены.</translation>
    </message>
    <message>
        <source>Log in as a supervisor to see the queue.</source>
        <translation>Войдите как старший смены, чтобы увидеть очередь.</translation>
    </message>
</context>
<context>
    <name>ReportView</name>
    <message>
        <source>Operator</source>
        <translation>Оператор</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>Всего</translation>
    </message>
    <message>
        <source>Hour</source>
        <translation>Час</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Время</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>Номер</translation>
    </message>
    <message>
        <source>Carrier</source>
        <translation>Перевозчик</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Итог</translation>
    </message>
    <message>
        <source>Undone</source>
        <translation>Отменён</translation>
    </message>
    <message>
        <source>Scanner</source>
        <translation>Сканер</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>Станция</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Вид</translation>
    </message>
    <message>
        <source>Opened</source>
        <translation>Открыто</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Закрыто</translation>
    </message>
    <message>
        <source>By</source>
        <translation>Кем</translation>
    </message>
    <message>
        <source>Resolution</source>
        <translation>Решение</translation>
    </message>
    <message>
        <source>What</source>
        <translation>Что</translation>
    </message>
    <message>
        <source>Scans per hour by outcome</source>
        <translation>Сканы по часам и итогам</translation>
    </message>
    <message>
        <source>scans</source>
        <translation>сканы</translation>
    </message>
    <message>
        <source>S&amp;hift</source>
        <translation>С&amp;мена</translation>
    </message>
    <message>
        <source>the shift going on</source>
        <translation>текущая смена</translation>
    </message>
    <message>
        <source>today</source>
        <translation>сегодня</translation>
    </message>
    <message>
        <source>yesterday</source>
        <translation>вчера</translation>
    </message>
    <message>
        <source>a day:</source>
        <translation>день:</translation>
    </message>
    <message>
        <source>&amp;Build again</source>
        <translation>&amp;Построить заново</translation>
    </message>
    <message>
        <source>Export &amp;CSV…</source>
        <translation>Выгрузить &amp;CSV…</translation>
    </message>
    <message>
        <source>Export &amp;XLSX…</source>
        <translation>Выгрузить &amp;XLSX…</translation>
    </message>
    <message>
        <source>Write this report to a file (audited)</source>
        <translation>Записать отчёт в файл (попадает в журнал аудита)</translation>
    </message>
    <message>
        <source>Scans by outcome</source>
        <translation>Сканы по итогам</translation>
    </message>
    <message>
        <source>By operator</source>
        <translation>По операторам</translation>
    </message>
    <message>
        <source>By hour</source>
        <translation>По часам</translation>
    </message>
    <message>
        <source>Scans</source>
        <translation>Сканы</translation>
    </message>
    <message>
        <source>Exceptions opened and closed</source>
        <translation>Исключения открытые и закрытые</translation>
    </message>
    <message>
        <source>Log in as a supervisor to read a shift report.</source>
        <translation>Войдите как старший смены, чтобы прочитать отчёт о смене.</translation>
    </message>
    <message>
        <source>%1 scans</source>
        <translation>сканов: %1</translation>
    </message>
    <message>
        <source>%1 an hour</source>
        <translation>%1 в час</translation>
    </message>
    <message>
        <source>busiest hour %1 (%2 scans)</source>
        <translation>самый загруженный час %1 (сканов: %2)</translation>
    </message>
    <message>
        <source>Exceptions: %1 opened, %2 closed</source>
        <translation>Исключения: открыто %1, закрыто %2</translation>
    </message>
    <message>
        <source>Excel workbooks (*.xlsx)</source>
        <translation>Книги Excel (*.xlsx)</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>Файлы CSV (*.csv)</translation>
    </message>
    <message>
        <source>The report was exported to %1.</source>
        <translation>Отчёт выгружен в %1.</translation>
    </message>
    <message>
        <source>Nothing was exported: %1</source>
        <translation>Ничего не выгружено: %1</translation>
    </message>
</context>
<context>
    <name>ScanDetails</name>
    <message>
        <source>Scan details</source>
        <translation>Скан подробно</translation>
    </message>
    <message>
        <source>%1 (matched later by sync)</source>
        <translation>%1 (найдена позже при синхронизации)</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>Номер</translation>
    </message>
    <message>
        <source>Carrier</source>
        <translation>Перевозчик</translation>
    </message>
    <message>
        <source>typed by hand: %1</source>
        <translation>введено вручную: %1</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>Прочитано</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Время</translation>
    </message>
    <message>
        <source>Scanner</source>
        <translation>Сканер</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Оператор</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Итог</translation>
    </message>
    <message>
        <source>Suite</source>
        <translation>Ячейка</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>Клиент</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>Заказ</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Примечание</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Закрыть</translation>
    </message>
</context>
<context>
    <name>ScannerDialog</name>
    <message>
        <source>Add a scanner</source>
        <translation>Добавить сканер</translation>
    </message>
    <message>
        <source>Scanner %1</source>
        <translation>Сканер %1</translation>
    </message>
    <message>
        <source>Match by USB identity (%1): found again when re-plugged</source>
        <translation>Искать по USB-идентификатору (%1): найдётся и после переподключения</translation>
    </message>
    <message>
        <source>Match by USB identity (the USB fields below)</source>
        <translation>Искать по USB-идентификатору (поля USB ниже)</translation>
    </message>
</context>
<context>
    <name>ScannersTab</name>
    <message>
        <source>Serial ports on this machine now</source>
        <translation>Последовательные порты этого компьютера сейчас</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Устройство</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Описание</translation>
    </message>
    <message>
        <source>VID:PID</source>
        <translation>VID:PID</translation>
    </message>
    <message>
        <source>Serial number</source>
        <translation>Серийный номер</translation>
    </message>
    <message>
        <source>USB location</source>
        <translation>USB-разъём</translation>
    </message>
    <message>
        <source>Scanner</source>
        <translation>Сканер</translation>
    </message>
    <message>
        <source>Scanners of this station</source>
        <translation>Сканеры этой станции</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Имя</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Тип</translation>
    </message>
    <message>
        <source>Reads from</source>
        <translation>Читает из</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Последняя ошибка</translation>
    </message>
    <message>
        <source>Add as a &amp;scanner...</source>
        <translation>Добавить как &amp;сканер...</translation>
    </message>
    <message>
        <source>&amp;Watch live...</source>
        <translation>&amp;Смотреть вживую...</translation>
    </message>
    <message>
        <source>&amp;Look again</source>
        <translation>&amp;Обновить</translation>
    </message>
    <message>
        <source>&amp;Add...</source>
        <translation>&amp;Добавить...</translation>
    </message>
    <message>
        <source>&amp;Edit...</source>
        <translation>&amp;Изменить...</translation>
    </message>
    <message>
        <source>&amp;Remove...</source>
        <translation>&amp;Удалить...</translation>
    </message>
    <message>
        <source>Watch &amp;live...</source>
        <translation>Смотреть &amp;вживую...</translation>
    </message>
    <message>
        <source>The list follows as devices are plugged in and pulled out.</source>
        <translation>Список обновляется, когда устройства подключают и отключают.</translation>
    </message>
    <message>
        <source>A scanner&apos;s changes are saved from its dialog, at once; Save below is for the other tabs.</source>
        <translation>Изменения сканера сохраняются сразу из его окна; кнопка «Сохранить» внизу — для остальных вкладок.</translation>
    </message>
    <message>
        <source>No serial ports on this machine now: is the scanner plugged in?</source>
        <translation>Последовательных портов сейчас нет: сканер подключён?</translation>
    </message>
    <message>
        <source>off (enabled = false)</source>
        <translation>выключен (enabled = false)</translation>
    </message>
    <message>
        <source>not running</source>
        <translation>не запущен</translation>
    </message>
    <message>
        <source>opening</source>
        <translation>открывается</translation>
    </message>
    <message>
        <source>working</source>
        <translation>работает</translation>
    </message>
    <message>
        <source>unplugged</source>
        <translation>отключён</translation>
    </message>
    <message>
        <source>error</source>
        <translation>ошибка</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>остановлен</translation>
    </message>
    <message>
        <source>scanner %1 added</source>
        <translation>сканер %1 добавлен</translation>
    </message>
    <message>
        <source>scanner %1 changed</source>
        <translation>сканер %1 изменён</translation>
    </message>
    <message>
        <source>Scanner %1 is not in the config file any more.</source>
        <translation>Сканера %1 больше нет в файле настроек.</translation>
    </message>
    <message>
        <source>Remove a scanner</source>
        <translation>Удалить сканер</translation>
    </message>
    <message>
        <source>Remove scanner %1 from the config file? It stops reading now.</source>
        <translation>Удалить сканер %1 из файла настроек? Он сразу перестанет читать.</translation>
    </message>
    <message>
        <source>scanner %1 removed</source>
        <translation>сканер %1 удалён</translation>
    </message>
    <message>
        <source>Nothing was saved: nobody is logged in.</source>
        <translation>Ничего не сохранено: никто не вошёл.</translation>
    </message>
    <message>
        <source>Saving ...</source>
        <translation>Сохранение ...</translation>
    </message>
    <message>
        <source>Saved (%1), but not applied now (%2): restart the station.</source>
        <translation>Сохранено (%1), но сейчас не применено (%2): перезапустите станцию.</translation>
    </message>
    <message>
        <source>Saved: %1. The station uses it now.</source>
        <translation>Сохранено: %1. Станция уже работает с этим.</translation>
    </message>
    <message>
        <source>Nothing was saved: %1</source>
        <translation>Ничего не сохранено: %1</translation>
    </message>
    <message>
        <source>No keyboard-wedge scanner is running in this station: save the scanner first.</source>
        <translation>На этой станции не работает сканер-клавиатура: сначала сохраните сканер.</translation>
    </message>
</context>
<context>
    <name>SearchBox</name>
    <message>
        <source>part of a tracking number, suite, customer&apos;s name, order or store</source>
        <translation>часть трек-номера, ячейка, имя клиента, заказ или магазин</translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation>&amp;Найти</translation>
    </message>
    <message>
        <source>%1 registrations found.</source>
        <translation>Найдено регистраций: %1.</translation>
    </message>
    <message>
        <source>No registration has “%1”.</source>
        <translation>Ни в одной регистрации нет «%1».</translation>
    </message>
</context>
<context>
    <name>SearchView</name>
    <message>
        <source>tracking number</source>
        <translation>трек-номер</translation>
    </message>
    <message>
        <source>suite</source>
        <translation>ячейка</translation>
    </message>
    <message>
        <source>name</source>
        <translation>имя</translation>
    </message>
    <message>
        <source>order</source>
        <translation>заказ</translation>
    </message>
    <message>
        <source>store</source>
        <translation>магазин</translation>
    </message>
    <message>
        <source>Suite</source>
        <translation>Ячейка</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>Клиент</translation>
    </message>
    <message>
        <source>Tracking number</source>
        <translation>Трек-номер</translation>
    </message>
    <message>
        <source>Typed</source>
        <translation>Введено клиентом</translation>
    </message>
    <message>
        <source>Store</source>
        <translation>Магазин</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>Заказ</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Статус</translation>
    </message>
    <message>
        <source>Found by</source>
        <translation>Найдено по</translation>
    </message>
    <message>
        <source>deleted</source>
        <translation>удалена</translation>
    </message>
    <message>
        <source>Open the registration&apos;s &amp;page</source>
        <translation>Открыть &amp;страницу регистрации</translation>
    </message>
</context>
<context>
    <name>ServerTab</name>
    <message>
        <source>Central server</source>
        <translation>Центральный сервер</translation>
    </message>
    <message>
        <source>Security</source>
        <translation>Безопасность</translation>
    </message>
    <message>
        <source>Timing</source>
        <translation>Интервалы и ожидание</translation>
    </message>
    <message>
        <source>&amp;Test connection</source>
        <translation>&amp;Проверить связь</translation>
    </message>
    <message>
        <source>Asks the server with the values above, saved or not: health, clock, and the token (1 parcel).</source>
        <translation>Спрашивает сервер с указанными выше значениями, сохранены они или нет: доступность, часы и токен (1 посылка).</translation>
    </message>
    <message>
        <source>type a new token to replace the one in use; it is never shown</source>
        <translation>введите новый токен вместо текущего; он никогда не показывается</translation>
    </message>
    <message>
        <source>A new token is typed in: it is written to the file when you save.</source>
        <translation>Введён новый токен: он будет записан в файл при сохранении.</translation>
    </message>
    <message>
        <source>A token is set in the file.</source>
        <translation>Токен задан в файле.</translation>
    </message>
    <message>
        <source>No token is set in the file.</source>
        <translation>В файле токен не задан.</translation>
    </message>
    <message>
        <source>The environment variable %1 is set: its token is the one the station uses.</source>
        <translation>Переменная окружения %1 задана: станция использует её токен.</translation>
    </message>
    <message>
        <source>The environment variable %1 is not set either.</source>
        <translation>Переменная окружения %1 тоже не задана.</translation>
    </message>
    <message>
        <source>Correct the settings marked in red first.</source>
        <translation>Сначала исправьте настройки, отмеченные красным.</translation>
    </message>
    <message>
        <source>No server URL is set: the station works offline.</source>
        <translation>Адрес сервера не задан: станция работает без сети.</translation>
    </message>
    <message>
        <source>Asking %1 ...</source>
        <translation>Запрос к %1 ...</translation>
    </message>
    <message>
        <source>The test could not run: %1</source>
        <translation>Проверка не выполнена: %1</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>PROBLEM</source>
        <translation>ПРОБЛЕМА</translation>
    </message>
</context>
<context>
    <name>Service</name>
    <message>
        <source>PHOTO</source>
        <translation>ФОТО</translation>
    </message>
    <message>
        <source>take the photo</source>
        <translation>сделайте фото</translation>
    </message>
    <message>
        <source>PHOTO OF CONTENTS</source>
        <translation>ФОТО СОДЕРЖИМОГО</translation>
    </message>
    <message>
        <source>open and photograph the contents</source>
        <translation>вскройте и сфотографируйте содержимое</translation>
    </message>
    <message>
        <source>REMOVE INVOICE</source>
        <translation>УБРАТЬ СЧЁТ</translation>
    </message>
    <message>
        <source>take the invoice out</source>
        <translation>выньте счёт из посылки</translation>
    </message>
    <message>
        <source>REPACK</source>
        <translation>ПЕРЕУПАКОВКА</translation>
    </message>
    <message>
        <source>put on the repacking table</source>
        <translation>на стол переупаковки</translation>
    </message>
    <message>
        <source>CHECK CONTENTS</source>
        <translation>ПРОВЕРКА</translation>
    </message>
    <message>
        <source>check the contents against the order</source>
        <translation>сверьте содержимое с заказом</translation>
    </message>
    <message>
        <source>CONSOLIDATE</source>
        <translation>ОБЪЕДИНИТЬ</translation>
    </message>
    <message>
        <source>put on the consolidation shelf</source>
        <translation>на полку объединения</translation>
    </message>
    <message>
        <source>HOLD</source>
        <translation>ДЕРЖАТЬ</translation>
    </message>
    <message>
        <source>hold: do not ship</source>
        <translation>задержать: не отправлять</translation>
    </message>
</context>
<context>
    <name>Setting</name>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Оператор</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>Allow insecure HTTP</source>
        <translation>Разрешить незащищённый HTTP</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>Токен</translation>
    </message>
    <message>
        <source>Token variable</source>
        <translation>Переменная с токеном</translation>
    </message>
    <message>
        <source>Pull interval (seconds)</source>
        <translation>Интервал загрузки (секунды)</translation>
    </message>
    <message>
        <source>Push interval (seconds)</source>
        <translation>Интервал отправки (секунды)</translation>
    </message>
    <message>
        <source>Page limit</source>
        <translation>Размер страницы</translation>
    </message>
    <message>
        <source>Connect timeout (seconds)</source>
        <translation>Тайм-аут соединения (секунды)</translation>
    </message>
    <message>
        <source>Read timeout (seconds)</source>
        <translation>Тайм-аут ответа (секунды)</translation>
    </message>
    <message>
        <source>Backoff initial (seconds)</source>
        <translation>Первая пауза после ошибки (секунды)</translation>
    </message>
    <message>
        <source>Backoff max (seconds)</source>
        <translation>Наибольшая пауза после ошибок (секунды)</translation>
    </message>
    <message>
        <source>Verify TLS</source>
        <translation>Проверять TLS</translation>
    </message>
    <message>
        <source>Fnc1 substitutes</source>
        <translation>Замены FNC1</translation>
    </message>
    <message>
        <source>Journal fallback dir</source>
        <translation>Запасной каталог журнала</translation>
    </message>
    <message>
        <source>Undo window (seconds)</source>
        <translation>Время на отмену (секунды)</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Имя</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Тип</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Включён</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Порт</translation>
    </message>
    <message>
        <source>USB vid</source>
        <translation>USB VID</translation>
    </message>
    <message>
        <source>USB pid</source>
        <translation>USB PID</translation>
    </message>
    <message>
        <source>USB serial</source>
        <translation>Серийный номер USB</translation>
    </message>
    <message>
        <source>USB location</source>
        <translation>Гнездо USB</translation>
    </message>
    <message>
        <source>Baudrate</source>
        <translation>Скорость (бод)</translation>
    </message>
    <message>
        <source>Bytesize</source>
        <translation>Биты данных</translation>
    </message>
    <message>
        <source>Parity</source>
        <translation>Чётность</translation>
    </message>
    <message>
        <source>Stopbits</source>
        <translation>Стоп-биты</translation>
    </message>
    <message>
        <source>Terminator</source>
        <translation>Конец скана</translation>
    </message>
    <message>
        <source>Stx prefix</source>
        <translation>Префикс STX</translation>
    </message>
    <message>
        <source>Idle gap (milliseconds)</source>
        <translation>Пауза конца скана (миллисекунды)</translation>
    </message>
    <message>
        <source>Max scan bytes</source>
        <translation>Наибольший размер скана (байты)</translation>
    </message>
    <message>
        <source>Reconnect max (seconds)</source>
        <translation>Наибольшая пауза переподключения (секунды)</translation>
    </message>
    <message>
        <source>Max key gap (milliseconds)</source>
        <translation>Наибольший интервал между клавишами (миллисекунды)</translation>
    </message>
    <message>
        <source>Min length</source>
        <translation>Наименьшая длина</translation>
    </message>
    <message>
        <source>Prefix</source>
        <translation>Префикс</translation>
    </message>
    <message>
        <source>Key positions</source>
        <translation>По положению клавиш</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Язык</translation>
    </message>
    <message>
        <source>Sound</source>
        <translation>Звук</translation>
    </message>
    <message>
        <source>Volume (%)</source>
        <translation>Громкость (%)</translation>
    </message>
    <message>
        <source>Fullscreen</source>
        <translation>Во весь экран</translation>
    </message>
    <message>
        <source>Kiosk</source>
        <translation>Киоск</translation>
    </message>
    <message>
        <source>Font scale</source>
        <translation>Масштаб шрифта</translation>
    </message>
    <message>
        <source>Back to READY after (seconds, 0 = never)</source>
        <translation>Назад к ГОТОВО через (секунды, 0 = никогда)</translation>
    </message>
    <message>
        <source>Wrong PINs before a lock-out</source>
        <translation>Неверных PIN до блокировки</translation>
    </message>
    <message>
        <source>Lock-out (minutes)</source>
        <translation>Блокировка (минуты)</translation>
    </message>
    <message>
        <source>Idle log-out (minutes, 0 = never)</source>
        <translation>Выход при бездействии (минуты, 0 = никогда)</translation>
    </message>
    <message>
        <source>A supervisor&apos;s or admin&apos;s badge also asks the PIN</source>
        <translation>Пропуск старшего или администратора спрашивает и PIN</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>Уровень</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Файл</translation>
    </message>
    <message>
        <source>Sent with every event to the central server; unique per station. Required.</source>
        <translation>Отправляется с каждым событием на центральный сервер; у каждой станции свой. Обязательно.</translation>
    </message>
    <message>
        <source>Operator recorded for scans when nobody is logged in (headless/conveyor mode).</source>
        <translation>Оператор, записываемый в сканы, когда никто не вошёл (режим без экрана или конвейер).</translation>
    </message>
    <message>
        <source>Local database. Default: scanstation.db in the platform data directory</source>
        <translation>Локальная база данных. По умолчанию: scanstation.db в каталоге данных системы</translation>
    </message>
    <message>
        <source>Base URL of the central server&apos;s station API.</source>
        <translation>Базовый URL API станций на центральном сервере.</translation>
    </message>
    <message>
        <source>Plain http:// is refused except to this machine (loopback), because the token would travel in clear.</source>
        <translation>Простой http:// запрещён, кроме этой машины (loopback): токен шёл бы открытым текстом.</translation>
    </message>
    <message>
        <source>The station&apos;s bearer token.</source>
        <translation>Токен станции (bearer).</translation>
    </message>
    <message>
        <source>The environment variable that holds the token (letters, digits and _); when set, it wins over token.</source>
        <translation>Переменная окружения, в которой лежит токен (буквы, цифры и _); если она задана, она важнее токена.</translation>
    </message>
    <message>
        <source>Seconds between pulls of the registration feed.</source>
        <translation>Секунды между загрузками ленты регистраций.</translation>
    </message>
    <message>
        <source>Seconds between pushes of the event outbox.</source>
        <translation>Секунды между отправками очереди событий.</translation>
    </message>
    <message>
        <source>Registrations asked for per feed page (the server allows at most 5000).</source>
        <translation>Сколько регистраций просить на страницу ленты (сервер даёт не больше 5000).</translation>
    </message>
    <message>
        <source>Seconds to wait for the server to accept a connection; a scan never waits on it.</source>
        <translation>Сколько секунд ждать, пока сервер примет соединение; скан этого никогда не ждёт.</translation>
    </message>
    <message>
        <source>Seconds to wait for the server&apos;s answer; a scan never waits on it.</source>
        <translation>Сколько секунд ждать ответа сервера; скан этого никогда не ждёт.</translation>
    </message>
    <message>
        <source>First wait after an error before trying again; it grows exponentially, with jitter.</source>
        <translation>Первая пауза после ошибки перед новой попыткой; она растёт экспоненциально, со случайным разбросом.</translation>
    </message>
    <message>
        <source>Longest wait after errors before trying again (at least backoff_initial_s).</source>
        <translation>Самая долгая пауза после ошибок перед новой попыткой (не меньше backoff_initial_s).</translation>
    </message>
    <message>
        <source>TLS verification: true, false (warned about at every start), or the path of a CA bundle file.</source>
        <translation>Проверка TLS: true, false (с предупреждением при каждом запуске) или путь к файлу сертификатов CA.</translation>
    </message>
    <message>
        <source>Characters your scanners were programmed to send instead of FNC1/GS (e.g. &quot;|&quot;); empty = none.</source>
        <translation>Символы, которые сканеры запрограммированы слать вместо FNC1/GS (например, &quot;|&quot;); пусто = нет.</translation>
    </message>
    <message>
        <source>Where scans the database refused are written when the data directory&apos;s disk is full too.</source>
        <translation>Куда записываются сканы, которые база не приняла, когда диск каталога данных тоже заполнен.</translation>
    </message>
    <message>
        <source>Seconds the events of a scan are held so the clerk can undo it without anything being sent.</source>
        <translation>Сколько секунд события скана придерживаются, чтобы кладовщик мог его отменить, ничего не отправив.</translation>
    </message>
    <message>
        <source>The scanner&apos;s name, recorded with every scan it reads.</source>
        <translation>Имя сканера, записываемое с каждым его сканом.</translation>
    </message>
    <message>
        <source>What kind of scanner it is.</source>
        <translation>Какой это сканер.</translation>
    </message>
    <message>
        <source>false keeps the block but does not open the scanner.</source>
        <translation>false оставляет блок, но сканер не открывается.</translation>
    </message>
    <message>
        <source>A device path (not empty) ...</source>
        <translation>Путь к устройству (не пустой) ...</translation>
    </message>
    <message>
        <source>... or the scanner&apos;s USB vendor id (hexadecimal, as `scanstation ports` shows it),</source>
        <translation>... или USB-идентификатор производителя сканера (шестнадцатеричный, как его показывает `scanstation ports`),</translation>
    </message>
    <message>
        <source>its USB product id,</source>
        <translation>его USB-идентификатор продукта,</translation>
    </message>
    <message>
        <source>its USB serial number,</source>
        <translation>его серийный номер USB,</translation>
    </message>
    <message>
        <source>or the USB socket it is plugged into.</source>
        <translation>или USB-гнездо, в которое он включён.</translation>
    </message>
    <message>
        <source>Bits per second.</source>
        <translation>Бит в секунду.</translation>
    </message>
    <message>
        <source>Data bits.</source>
        <translation>Биты данных.</translation>
    </message>
    <message>
        <source>Parity.</source>
        <translation>Чётность.</translation>
    </message>
    <message>
        <source>Stop bits: 1, 1.5 or 2.</source>
        <translation>Стоп-биты: 1, 1.5 или 2.</translation>
    </message>
    <message>
        <source>A fixed-mount scanner on the network: socket://host:port, or rfc2217://host:port (both needed).</source>
        <translation>Стационарный сканер в сети: socket://host:port или rfc2217://host:port (нужны оба).</translation>
    </message>
    <message>
        <source>What ends one scan (NONE: an idle gap of idle_gap_ms ends it).</source>
        <translation>Что заканчивает один скан (NONE: его заканчивает пауза idle_gap_ms).</translation>
    </message>
    <message>
        <source>true when the scanner starts every scan with STX (0x02).</source>
        <translation>true, если сканер начинает каждый скан с STX (0x02).</translation>
    </message>
    <message>
        <source>Milliseconds of silence that end a scan with terminator = &quot;NONE&quot;.</source>
        <translation>Миллисекунды тишины, которые заканчивают скан при terminator = &quot;NONE&quot;.</translation>
    </message>
    <message>
        <source>A read longer than this without a terminator is cut and logged as invalid (bounded memory).</source>
        <translation>Чтение длиннее этого без конца скана обрезается и записывается как неверное (память ограничена).</translation>
    </message>
    <message>
        <source>Longest wait between attempts to reopen an unplugged scanner, in seconds.</source>
        <translation>Самая долгая пауза между попытками снова открыть отключённый сканер, в секундах.</translation>
    </message>
    <message>
        <source>Keys closer together than this (milliseconds) are a scanner, not a person ...</source>
        <translation>Клавиши, нажатые чаще этого (миллисекунды), — сканер, а не человек ...</translation>
    </message>
    <message>
        <source>... when at least this many arrive before the terminator.</source>
        <translation>... если до конца скана их пришло не меньше этого.</translation>
    </message>
    <message>
        <source>Alternatively, a prefix character the scanner is programmed to send, e.g. STX.</source>
        <translation>Или символ-префикс, который сканер запрограммирован слать, например STX.</translation>
    </message>
    <message>
        <source>Read a scan by the keys&apos; positions, as the US layout types them: any layout active, Caps Lock ignored.</source>
        <translation>Читать скан по положению клавиш, как их набирает раскладка US: при любой раскладке, Caps Lock не важен.</translation>
    </message>
    <message>
        <source>Language of the scan screen (switchable in the window).</source>
        <translation>Язык экрана сканирования (переключается в окне).</translation>
    </message>
    <message>
        <source>Play a sound per verdict; without a sound device the banner flashes instead.</source>
        <translation>Звук на каждый вердикт; без звукового устройства вместо него мигает баннер.</translation>
    </message>
    <message>
        <source>Loudness of the verdict sounds, in percent.</source>
        <translation>Громкость звуков вердикта, в процентах.</translation>
    </message>
    <message>
        <source>Start full screen.</source>
        <translation>Запускаться во весь экран.</translation>
    </message>
    <message>
        <source>Kiosk: full screen, no window frame, kept on top; only a logged-in administrator can close it.</source>
        <translation>Киоск: во весь экран, без рамки окна, поверх других; закрыть может только вошедший администратор.</translation>
    </message>
    <message>
        <source>Multiplies every font size (1.0 = the default large fonts).</source>
        <translation>Умножает каждый размер шрифта (1.0 = крупные шрифты по умолчанию).</translation>
    </message>
    <message>
        <source>Seconds without a new verdict before the banner goes back to READY; 0 = the last verdict stays.</source>
        <translation>Секунды без нового вердикта, после которых баннер возвращается к ГОТОВО; 0 = последний вердикт остаётся.</translation>
    </message>
    <message>
        <source>Wrong PINs in a row that lock the operator out; each wrong PIN also makes the next try wait longer.</source>
        <translation>Неверных PIN подряд, после которых оператор блокируется; каждый неверный PIN ещё и удлиняет ожидание следующей попытки.</translation>
    </message>
    <message>
        <source>Minutes a locked-out operator waits before trying again (an admin can unlock sooner).</source>
        <translation>Сколько минут заблокированный оператор ждёт новой попытки (администратор может разблокировать раньше).</translation>
    </message>
    <message>
        <source>Minutes without a scan or a key press before the window logs the operator out; 0 = never.</source>
        <translation>Минуты без скана и без нажатия клавиши, после которых окно выводит оператора; 0 = никогда.</translation>
    </message>
    <message>
        <source>true: a supervisor&apos;s or admin&apos;s badge also asks for their PIN; a clerk&apos;s badge alone logs in.</source>
        <translation>true: пропуск старшего или администратора спрашивает ещё и PIN; пропуск кладовщика пускает сам.</translation>
    </message>
    <message>
        <source>The least severe messages logged.</source>
        <translation>Наименее важные записываемые сообщения.</translation>
    </message>
    <message>
        <source>Besides stderr, log to rotating files in the platform log directory.</source>
        <translation>Кроме stderr, писать журнал в сменяемые файлы в каталоге журналов системы.</translation>
    </message>
    <message>
        <source>At most 64 printable characters, no spaces at the ends (the same for `operator` and scanner
names).</source>
        <translation>Не больше 64 печатных символов, без пробелов по краям (то же для `operator` и имён
сканеров).</translation>
    </message>
    <message>
        <source>(Linux: ~/.local/share/scanstation/). PostgreSQL also works:
  url = &quot;postgresql+psycopg://scanstation@127.0.0.1/scanstation&quot;
The schema is created and upgraded on start; a SQLite file is backed up first.
An in-memory database (sqlite:// or sqlite:///:memory:) is refused: it would lose every scan.
SQLite keeps the feed (the registrations as the server sent them) in a second file beside this
one, named &lt;name&gt;-feed.db: a copy that is pulled again if it is deleted.</source>
        <translation>(Linux: ~/.local/share/scanstation/). Подходит и PostgreSQL:
  url = &quot;postgresql+psycopg://scanstation@127.0.0.1/scanstation&quot;
Схема создаётся и обновляется при запуске; файл SQLite сначала копируется.
База в памяти (sqlite:// или sqlite:///:memory:) не принимается: она потеряла бы все сканы.
SQLite хранит ленту (регистрации, как их прислал сервер) во втором файле рядом с этим,
&lt;имя&gt;-feed.db: это копия, которая загружается заново, если её удалить.</translation>
    </message>
    <message>
        <source>Without it the station works offline and keeps every event until a server is configured.
A password in the URL (https://user:password@host/...) is hidden when `config check` prints it.</source>
        <translation>Без него станция работает без сети и хранит все события, пока сервер не настроен.
Пароль в URL (https://user:password@host/...) скрывается, когда его печатает `config check`.</translation>
    </message>
    <message>
        <source>true allows it to any host, with a warning at every start and in the status bar.</source>
        <translation>true разрешает его к любому хосту, с предупреждением при каждом запуске и в строке состояния.</translation>
    </message>
    <message>
        <source>Better kept out of this file: leave `token` unset and put it in the environment variable
named by token_env, which wins over this line whenever it is set. With a url and no token in
either place, `config check` and `sync` say &quot;no token&quot; (and exit 2). A token is visible ASCII
only: no spaces, line breaks or control characters.</source>
        <translation>Лучше не держать его в этом файле: оставьте `token` пустым и положите токен в переменную
окружения, названную в token_env; она важнее этой строки, когда задана. Если есть url, но токена
нет нигде, `config check` и `sync` говорят &quot;no token&quot; (и выходят с кодом 2). Токен — только видимые
символы ASCII: без пробелов, переводов строки и управляющих символов.</translation>
    </message>
    <message>
        <source>The CA bundle is in PEM form, for a private certificate authority (a relative path is taken from
this file&apos;s directory; it must exist and be readable when the station starts). Write true/false
without quotes.</source>
        <translation>Файл сертификатов CA в формате PEM, для частного удостоверяющего центра (относительный путь
берётся от каталога этого файла; файл должен существовать и читаться при запуске станции).
Пишите true/false без кавычек.</translation>
    </message>
    <message>
        <source>Each entry 1 to 8 characters.</source>
        <translation>Каждый элемент — от 1 до 8 символов.</translation>
    </message>
    <message>
        <source>A scan the database cannot take (disk full, I/O error) is kept in memory, retried in order, and
written to unrecorded-scans.tsv in the data directory; when that disk is full too, the file goes
here instead: an absolute directory, best on another disk. Unset: the log directory, then the
system&apos;s temp directory.</source>
        <translation>Скан, который база не может принять (диск полон, ошибка ввода-вывода), держится в памяти,
повторяется по порядку и записывается в unrecorded-scans.tsv в каталоге данных; когда и этот диск
полон, файл пишется сюда: абсолютный каталог, лучше на другом диске. Не задан: каталог журналов,
потом временный каталог системы.</translation>
    </message>
    <message>
        <source>With a terminator, a fragment left waiting at least this long is logged as incomplete.</source>
        <translation>С концом скана обрывок, ждущий хотя бы столько, записывается как неполный.</translation>
    </message>
    <message>
        <source>Its scans are then recognised by it and never reach a text field.</source>
        <translation>Тогда его сканы узнаются по нему и никогда не попадают в текстовое поле.</translation>
    </message>
    <message>
        <source>false: as the active layout types them, for a scanner set to emulate another country&apos;s keyboard.</source>
        <translation>false: как их набирает текущая раскладка, для сканера, настроенного под клавиатуру другой страны.</translation>
    </message>
    <message>
        <source>So a verdict left on screen is never taken for the next parcel&apos;s.</source>
        <translation>Чтобы вердикт, оставшийся на экране, никогда не приняли за вердикт следующей посылки.</translation>
    </message>
    <message>
        <source>The lock is kept in the database, so a restart does not lift it.</source>
        <translation>Блокировка хранится в базе, так что перезапуск её не снимает.</translation>
    </message>
    <message>
        <source>Never applies to `scanstation headless`, which has nobody logged in.</source>
        <translation>Не действует для `scanstation headless`: там никто не входит.</translation>
    </message>
    <message>
        <source>Linux: ~/.local/state/scanstation/log/.</source>
        <translation>Linux: ~/.local/state/scanstation/log/.</translation>
    </message>
    <message>
        <source>serial port or USB</source>
        <translation>последовательный порт или USB</translation>
    </message>
    <message>
        <source>network (TCP)</source>
        <translation>сеть (TCP)</translation>
    </message>
    <message>
        <source>keyboard (wedge)</source>
        <translation>сканер-клавиатура</translation>
    </message>
    <message>
        <source>none</source>
        <translation>нет</translation>
    </message>
    <message>
        <source>even</source>
        <translation>чётная</translation>
    </message>
    <message>
        <source>odd</source>
        <translation>нечётная</translation>
    </message>
    <message>
        <source>mark</source>
        <translation>маркер</translation>
    </message>
    <message>
        <source>space</source>
        <translation>пробел</translation>
    </message>
    <message>
        <source>none: a pause ends the scan</source>
        <translation>нет: скан заканчивает пауза</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source> (after a restart)</source>
        <translation> (после перезапуска)</translation>
    </message>
</context>
<context>
    <name>StartupError</name>
    <message>
        <source>Close</source>
        <translation>Закрыть</translation>
    </message>
    <message>
        <source>The database cannot be opened:</source>
        <translation>Базу данных не удаётся открыть:</translation>
    </message>
    <message>
        <source>The station cannot start: its configuration cannot be used.</source>
        <translation>Станция не может запуститься: её настройки нельзя использовать.</translation>
    </message>
    <message>
        <source>What is wrong:</source>
        <translation>Что не так:</translation>
    </message>
    <message>
        <source>Where the station looked: %1</source>
        <translation>Где станция искала: %1</translation>
    </message>
    <message>
        <source>Correct the file as said above (or start the station with --config PATH), then start it again. `scanstation config check` names every problem without starting the station.</source>
        <translation>Исправьте файл, как сказано выше (или запустите станцию с --config ПУТЬ), и запустите её снова. Команда `scanstation config check` называет все ошибки, не запуская станцию.</translation>
    </message>
</context>
<context>
    <name>StationTab</name>
    <message>
        <source>This station</source>
        <translation>Эта станция</translation>
    </message>
    <message>
        <source>Scanning</source>
        <translation>Сканирование</translation>
    </message>
    <message>
        <source>Screen and sound</source>
        <translation>Экран и звук</translation>
    </message>
    <message>
        <source>Log-in</source>
        <translation>Вход</translation>
    </message>
</context>
<context>
    <name>StationWindow</name>
    <message>
        <source>Scan station %1</source>
        <translation>Станция приёмки %1</translation>
    </message>
    <message>
        <source>This shift (since %1)</source>
        <translation>Эта смена (с %1)</translation>
    </message>
    <message>
        <source>Last scans</source>
        <translation>Последние сканирования</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Время</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>Номер</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Итог</translation>
    </message>
    <message>
        <source>Suite</source>
        <translation>Ячейка</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Имя:</translation>
    </message>
    <message>
        <source>PIN:</source>
        <translation>PIN:</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>Войти</translation>
    </message>
    <message>
        <source>Number (F2):</source>
        <translation>Номер (F2):</translation>
    </message>
    <message>
        <source>type the number from a torn label, then Enter</source>
        <translation>наберите номер с порванной этикетки и нажмите Enter</translation>
    </message>
    <message>
        <source>Enter</source>
        <translation>Ввести</translation>
    </message>
    <message>
        <source>Undo this scan (Ctrl+Z): %1 s</source>
        <translation>Отменить этот скан (Ctrl+Z): %1 с</translation>
    </message>
    <message>
        <source>Undo (Ctrl+Z)</source>
        <translation>Отмена (Ctrl+Z)</translation>
    </message>
    <message>
        <source>Log out (Ctrl+L)</source>
        <translation>Выйти (Ctrl+L)</translation>
    </message>
    <message>
        <source>enter your name and PIN</source>
        <translation>введите имя и PIN</translation>
    </message>
    <message>
        <source>nobody logged in</source>
        <translation>никто не вошёл</translation>
    </message>
    <message>
        <source>Operator: %1</source>
        <translation>Оператор: %1</translation>
    </message>
    <message>
        <source>Undo refused: %1</source>
        <translation>Отмена невозможна: %1</translation>
    </message>
    <message>
        <source>no scanners configured (typed entry only)</source>
        <translation>сканеры не настроены (только ручной ввод)</translation>
    </message>
    <message>
        <source>Sync: starting</source>
        <translation>Связь: запуск</translation>
    </message>
    <message>
        <source>online</source>
        <translation>на связи</translation>
    </message>
    <message>
        <source>OFFLINE</source>
        <translation>НЕТ СВЯЗИ</translation>
    </message>
    <message>
        <source>TOKEN REJECTED: call the administrator</source>
        <translation>ТОКЕН ОТКЛОНЁН: позовите администратора</translation>
    </message>
    <message>
        <source>off (no server configured)</source>
        <translation>выключена (сервер не настроен)</translation>
    </message>
    <message>
        <source>Sync: %1</source>
        <translation>Связь: %1</translation>
    </message>
    <message>
        <source>the server refused them: a supervisor sees them</source>
        <translation>сервер их отклонил: их видит старший смены</translation>
    </message>
    <message>
        <source>%1 events waiting</source>
        <translation>в очереди: %1</translation>
    </message>
    <message>
        <source>%1 rejected</source>
        <translation>отклонено: %1</translation>
    </message>
    <message>
        <source>last sync %1</source>
        <translation>синхр. %1</translation>
    </message>
    <message>
        <source>never</source>
        <translation>ещё не было</translation>
    </message>
    <message>
        <source>no sound: flashing</source>
        <translation>нет звука: мигание</translation>
    </message>
    <message>
        <source>Badge of %1: type your PIN</source>
        <translation>Пропуск %1: введите PIN</translation>
    </message>
    <message>
        <source>Locked until %1</source>
        <translation>Заблокировано до %1</translation>
    </message>
    <message>
        <source>Log in: wait %1 s</source>
        <translation>Вход: подождите %1 с</translation>
    </message>
    <message>
        <source>Badge refused: %1</source>
        <translation>Пропуск не принят: %1</translation>
    </message>
    <message>
        <source>nothing to undo: this scan changed nothing</source>
        <translation>отменять нечего: этот скан ничего не изменил</translation>
    </message>
    <message>
        <source>the undo window has passed</source>
        <translation>время на отмену прошло</translation>
    </message>
    <message>
        <source>nothing to undo: this scan is undone already</source>
        <translation>отменять нечего: этот скан уже отменён</translation>
    </message>
    <message>
        <source>nothing to undo yet: this scan is not recorded</source>
        <translation>отменять пока нечего: скан ещё не записан</translation>
    </message>
    <message>
        <source>nothing to undo: no scan on the screen</source>
        <translation>отменять нечего: на экране нет скана</translation>
    </message>
    <message>
        <source>Undoing...</source>
        <translation>Отменяю...</translation>
    </message>
    <message>
        <source>Undo window passed</source>
        <translation>Время на отмену прошло</translation>
    </message>
    <message>
        <source>Nothing to undo</source>
        <translation>Отменять нечего</translation>
    </message>
    <message>
        <source>Matched later by sync: %1 from the unknown shelf belongs to suite %2 (%3): move it to the shelf</source>
        <translation>Опознана позже: %1 с полки неизвестных принадлежит ячейке %2 (%3): переложите её на полку</translation>
    </message>
    <message>
        <source>Disk full: scans are not written to disk, %1 waiting in memory. Free some space or call the administrator.</source>
        <translation>Диск заполнен: сканы не записаны на диск, %1 ждут в памяти. Освободите место или позовите администратора.</translation>
    </message>
    <message>
        <source>Scans are not being recorded: %1 waiting in memory, recorded by themselves once the database takes them again. Call the administrator. (%2)</source>
        <translation>Сканы не записываются: %1 ждут в памяти и запишутся сами, как только база снова их примет. Позовите администратора. (%2)</translation>
    </message>
    <message>
        <source>This station runs as a kiosk: an administrator logs in to close it.</source>
        <translation>Станция работает в режиме киоска: закрыть её может администратор, войдя в систему.</translation>
    </message>
    <message>
        <source>Scans waiting to be recorded: %1</source>
        <translation>Ждут записи сканов: %1</translation>
    </message>
    <message>
        <source>Risky settings: tell the administrator.</source>
        <translation>Опасные настройки: сообщите администратору.</translation>
    </message>
    <message>
        <source>This station has no active administrator, so nobody can set it up. Create one on this computer with the command:</source>
        <translation>На этой станции нет активного администратора, и настроить её некому. Создайте его на этом компьютере командой:</translation>
    </message>
    <message>
        <source>NAME is the name to log in with; the PIN is asked twice. Then log in here.</source>
        <translation>NAME — имя для входа; PIN-код будет запрошен дважды. Затем войдите здесь.</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>подключён</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>запуск</translation>
    </message>
    <message>
        <source>Log out</source>
        <translation>Выйти</translation>
    </message>
    <message>
        <source>Settings (Ctrl+,)</source>
        <translation>Настройки (Ctrl+,)</translation>
    </message>
    <message>
        <source>Audit</source>
        <translation>Журнал</translation>
    </message>
    <message>
        <source>Desk</source>
        <translation>Пульт</translation>
    </message>
    <message>
        <source>Supervisor&apos;s desk (Ctrl+Shift+S)</source>
        <translation>Стол старшего смены (Ctrl+Shift+S)</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>подключение</translation>
    </message>
    <message>
        <source>DISCONNECTED</source>
        <translation>ОТКЛЮЧЁН</translation>
    </message>
    <message>
        <source>ERROR</source>
        <translation>ОШИБКА</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>остановлен</translation>
    </message>
    <message>
        <source>Audit trail</source>
        <translation>Журнал действий</translation>
    </message>
    <message>
        <source>Not allowed</source>
        <translation>Не разрешено</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <source>This station was started without a config file: there are no settings to edit.</source>
        <translation>Станция запущена без файла настроек: редактировать нечего.</translation>
    </message>
    <message>
        <source>Supervisor&apos;s desk</source>
        <translation>Стол старшего смены</translation>
    </message>
    <message>
        <source>This window has no supervisor&apos;s desk.</source>
        <translation>У этого окна нет стола старшего смены.</translation>
    </message>
    <message>
        <source>wrong name or PIN</source>
        <translation>неверное имя или PIN</translation>
    </message>
    <message>
        <source>this badge is not valid (revoked or unknown)</source>
        <translation>этот пропуск недействителен (отозван или неизвестен)</translation>
    </message>
    <message>
        <source>wait %1 s before trying again</source>
        <translation>подождите %1 с перед следующей попыткой</translation>
    </message>
    <message>
        <source>locked until %1 (%2 wrong PINs in a row): an admin can unlock</source>
        <translation>заблокирован до %1 (%2 неверных PIN подряд): разблокировать может администратор</translation>
    </message>
    <message>
        <source>waiting for a supervisor: %1</source>
        <translation>ждут супервайзера: %1</translation>
    </message>
    <message>
        <source>Photo (F4)</source>
        <translation>Фото (F4)</translation>
    </message>
    <message>
        <source>Photo for suite %1: %2</source>
        <translation>Фото для ячейки %1: %2</translation>
    </message>
</context>
<context>
    <name>Status</name>
    <message>
        <source>PACKED</source>
        <translation>УПАКОВАНА</translation>
    </message>
    <message>
        <source>SHIPPED</source>
        <translation>ОТПРАВЛЕНА</translation>
    </message>
    <message>
        <source>DELIVERED</source>
        <translation>ДОСТАВЛЕНА</translation>
    </message>
</context>
<context>
    <name>Supervisor</name>
    <message>
        <source>Export the shift report</source>
        <translation>Выгрузить отчёт о смене</translation>
    </message>
    <message>
        <source>unknown parcel</source>
        <translation>неизвестная посылка</translation>
    </message>
    <message>
        <source>ambiguous</source>
        <translation>неоднозначно</translation>
    </message>
    <message>
        <source>not expected</source>
        <translation>не ожидалась</translation>
    </message>
    <message>
        <source>rejected by the server</source>
        <translation>отклонено сервером</translation>
    </message>
    <message>
        <source>deleted after receipt</source>
        <translation>удалена после приёма</translation>
    </message>
    <message>
        <source>bad registration</source>
        <translation>ошибка в регистрации</translation>
    </message>
    <message>
        <source>awaited too long</source>
        <translation>ждём слишком долго</translation>
    </message>
    <message>
        <source>registration</source>
        <translation>регистрация</translation>
    </message>
    <message>
        <source>scan</source>
        <translation>скан</translation>
    </message>
    <message>
        <source>nobody registered this number</source>
        <translation>этот номер никто не регистрировал</translation>
    </message>
    <message>
        <source>%1 customers registered this number: pick the right one</source>
        <translation>этот номер зарегистрировали клиенты (%1): выберите нужного</translation>
    </message>
    <message>
        <source>scanned while its status is %1</source>
        <translation>отсканирована в статусе %1</translation>
    </message>
    <message>
        <source>the server refused an event: %1</source>
        <translation>сервер отклонил событие: %1</translation>
    </message>
    <message>
        <source>the customer deleted the registration after the parcel was received</source>
        <translation>клиент удалил регистрацию после приёма посылки</translation>
    </message>
    <message>
        <source>awaited for %1 days: may be lost</source>
        <translation>ждём уже %1 дн.: возможно, потеряна</translation>
    </message>
    <message>
        <source>one or two characters differ</source>
        <translation>отличаются один-два знака</translation>
    </message>
    <message>
        <source>two neighbouring characters swapped</source>
        <translation>переставлены два соседних знака</translation>
    </message>
    <message>
        <source>the same last digits</source>
        <translation>совпадают последние цифры</translation>
    </message>
    <message>
        <source>the order number typed into the tracking field</source>
        <translation>в поле трек-номера введён номер заказа</translation>
    </message>
    <message>
        <source>another number printed on the same label</source>
        <translation>другой номер с той же этикетки</translation>
    </message>
    <message>
        <source>registered in another carrier&apos;s format</source>
        <translation>зарегистрирован в формате другого перевозчика</translation>
    </message>
    <message>
        <source>matched</source>
        <translation>сопоставлена</translation>
    </message>
    <message>
        <source>returned to sender</source>
        <translation>возвращена отправителю</translation>
    </message>
    <message>
        <source>disposed of</source>
        <translation>утилизирована</translation>
    </message>
    <message>
        <source>other</source>
        <translation>другое</translation>
    </message>
    <message>
        <source>customer picked</source>
        <translation>выбран клиент</translation>
    </message>
    <message>
        <source>acknowledged</source>
        <translation>подтверждено</translation>
    </message>
    <message>
        <source>sent again</source>
        <translation>отправлено снова</translation>
    </message>
    <message>
        <source>dismissed</source>
        <translation>снято</translation>
    </message>
    <message>
        <source>corrected</source>
        <translation>исправлено</translation>
    </message>
    <message>
        <source>undone</source>
        <translation>отменено</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>закрыто</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>да</translation>
    </message>
</context>
<context>
    <name>SupervisorWindow</name>
    <message>
        <source>Log in as a supervisor to open the desk.</source>
        <translation>Войдите как старший смены, чтобы открыть стол.</translation>
    </message>
    <message>
        <source>Supervisor&apos;s desk · station %1</source>
        <translation>Стол старшего смены · станция %1</translation>
    </message>
    <message>
        <source>&amp;Queue</source>
        <translation>&amp;Очередь</translation>
    </message>
    <message>
        <source>&amp;Parcel</source>
        <translation>&amp;Посылка</translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation>По&amp;иск</translation>
    </message>
    <message>
        <source>&amp;Report</source>
        <translation>О&amp;тчёт</translation>
    </message>
    <message>
        <source>Supervisor&apos;s desk</source>
        <translation>Стол старшего смены</translation>
    </message>
</context>
<context>
    <name>Verdict</name>
    <message>
        <source>DUPLICATE</source>
        <translation>ПОВТОР</translation>
    </message>
    <message>
        <source>UNKNOWN</source>
        <translation>НЕИЗВЕСТНАЯ</translation>
    </message>
    <message>
        <source>AMBIGUOUS</source>
        <translation>НЕОДНОЗНАЧНО</translation>
    </message>
    <message>
        <source>NOT EXPECTED</source>
        <translation>НЕ ОЖИДАЕТСЯ</translation>
    </message>
    <message>
        <source>UNREADABLE</source>
        <translation>НЕ ПРОЧИТАН</translation>
    </message>
    <message>
        <source>UNDONE</source>
        <translation>ОТМЕНЕНО</translation>
    </message>
    <message>
        <source>Order %1</source>
        <translation>Заказ %1</translation>
    </message>
    <message>
        <source>Matched later by sync: this parcel arrived as unknown</source>
        <translation>Опознана позже: посылка пришла как неизвестная</translation>
    </message>
    <message>
        <source>typed by hand: %1</source>
        <translation>введено вручную: %1</translation>
    </message>
    <message>
        <source>nobody logged in: recorded as %1</source>
        <translation>никто не вошёл: записано на %1</translation>
    </message>
    <message>
        <source>shelve for suite %1</source>
        <translation>на полку ячейки %1</translation>
    </message>
    <message>
        <source>ALREADY RECEIVED</source>
        <translation>УЖЕ ПРИНЯТА</translation>
    </message>
    <message>
        <source>scan again</source>
        <translation>сканируйте ещё раз</translation>
    </message>
    <message>
        <source>READY</source>
        <translation>ГОТОВО</translation>
    </message>
    <message>
        <source>scan a parcel</source>
        <translation>сканируйте посылку</translation>
    </message>
    <message>
        <source>LOG IN</source>
        <translation>ВХОД</translation>
    </message>
    <message>
        <source>enter your name and PIN</source>
        <translation>введите имя и PIN</translation>
    </message>
    <message>
        <source>take the parcel back: its scan was cancelled</source>
        <translation>заберите посылку обратно: сканирование отменено</translation>
    </message>
    <message>
        <source>NOT RECORDED</source>
        <translation>НЕ ЗАПИСАНО</translation>
    </message>
    <message>
        <source>NOT RECORDED YET</source>
        <translation>ЕЩЁ НЕ ЗАПИСАНО</translation>
    </message>
    <message>
        <source>conveyor</source>
        <translation>конвейер</translation>
    </message>
    <message>
        <source>the customer deleted the registration of this number</source>
        <translation>клиент удалил регистрацию этого номера</translation>
    </message>
    <message>
        <source>the read was cut off: scan again</source>
        <translation>считывание оборвалось: отсканируйте ещё раз</translation>
    </message>
    <message>
        <source>a product barcode: scan the carrier&apos;s label</source>
        <translation>это штрихкод товара: отсканируйте этикетку перевозчика</translation>
    </message>
    <message>
        <source>a routing barcode: scan the other barcode of the label</source>
        <translation>это штрихкод маршрута: отсканируйте другой штрихкод этикетки</translation>
    </message>
    <message>
        <source>no tracking number in this barcode</source>
        <translation>в этом штрихкоде нет трек-номера</translation>
    </message>
    <message>
        <source>%1 registrations share this number</source>
        <translation>регистраций с этим номером: %1</translation>
    </message>
    <message>
        <source>status is %1</source>
        <translation>статус: %1</translation>
    </message>
    <message>
        <source>undone; nothing was sent</source>
        <translation>отменено; ничего не отправлено</translation>
    </message>
    <message>
        <source>undone</source>
        <translation>отменено</translation>
    </message>
    <message>
        <source>undone after the window: a correction is sent to the server</source>
        <translation>отменено после окна отмены: на сервер уйдёт исправление</translation>
    </message>
    <message>
        <source>%1 of %2: order complete</source>
        <translation>%1 из %2: заказ собран</translation>
    </message>
    <message>
        <source>every parcel of this order is here</source>
        <translation>все посылки заказа на складе</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 из %2</translation>
    </message>
    <message>
        <source>parcels of this order are here</source>
        <translation>посылок заказа на складе</translation>
    </message>
    <message>
        <source>received %1 by %2</source>
        <translation>принята в %1, оператор %2</translation>
    </message>
    <message>
        <source>received %1 at another station</source>
        <translation>принята в %1 на другой станции</translation>
    </message>
    <message>
        <source>, station %1</source>
        <translation>, станция %1</translation>
    </message>
    <message>
        <source>to the unknown shelf: it is already on it</source>
        <translation>на полку неизвестных: она уже числится там</translation>
    </message>
    <message>
        <source>already on shelf %1</source>
        <translation>уже на полке %1</translation>
    </message>
    <message>
        <source>services asked at the first receipt: %1</source>
        <translation>услуги были показаны при первом приёме: %1</translation>
    </message>
    <message>
        <source>write %1 and %2 on the box, put it on the unknown shelf</source>
        <translation>напишите на коробке %1 и %2, положите на полку неизвестных</translation>
    </message>
    <message>
        <source>do not shelve: call a supervisor</source>
        <translation>не ставьте на полку: позовите старшего</translation>
    </message>
    <message>
        <source>%1 customers registered this number: %2</source>
        <translation>клиентов с этим номером: %1 · %2</translation>
    </message>
    <message>
        <source>put the box aside, do not scan it again: it is recorded once the disk takes writes</source>
        <translation>отложите коробку, не сканируйте снова: скан запишется, как только диск примет запись</translation>
    </message>
    <message>
        <source>scan again; if it repeats, call a supervisor</source>
        <translation>сканируйте ещё раз; если повторится, позовите старшего</translation>
    </message>
</context>
</TS>
